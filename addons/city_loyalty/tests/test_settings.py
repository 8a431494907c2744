# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import CityLoyaltyCommon


@tagged("post_install", "-at_install")
class TestPointsSettings(CityLoyaltyCommon):
    def _open(self, user):
        return Form(self.env["city.points.settings"].with_user(user))

    def test_operator_sets_rates(self):
        form = self._open(self.operator)
        self.assertEqual((form.city_points_clearing_fen, form.city_points_validity_days), (1.0, 365))
        form.city_points_issue_fen = 1.2
        form.city_points_clearing_fen = 0.8
        form.city_points_validity_days = 180
        form.city_points_notice_days = 15
        form.city_points_velocity_max = 50
        form.save().action_save()
        self.assertRecordValues(
            self.company,
            [
                {
                    "city_points_issue_fen": 1.2,
                    "city_points_clearing_fen": 0.8,
                    "city_points_validity_days": 180,
                    "city_points_notice_days": 15,
                    "city_points_velocity_max": 50,
                }
            ],
        )
        # The points money booking reads the new rate.
        self.assertEqual(self.env["city.points.booking"]._rate_for(self.company, "redeem"), 0.8)

    def test_merchant_cannot_change_rates(self):
        for user in (self.manager_a, self.staff_a):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["city.points.settings"].with_user(user).create({"city_points_clearing_fen": 5.0})
                with self.assertRaises(AccessError):
                    self.company.with_user(user).write({"city_points_clearing_fen": 5.0})
                # The wizard's own check, should its access rights ever be widened.
                with self.assertRaises(AccessError):
                    self.env["city.points.settings"].sudo().create({}).with_user(user).action_save()
        self.assertEqual(self.company.city_points_clearing_fen, 1.0)

    def test_bad_values_refused(self):
        bad = {
            "city_points_issue_fen": -1,
            "city_points_clearing_fen": -0.5,
            "city_points_validity_days": 0,
            "city_points_tier_days": 0,
            "city_points_notice_days": -1,
            "city_points_velocity_max": 0,
            "city_points_merchant_max_per_yuan": -2,
        }
        for name, value in bad.items():
            with self.subTest(field=name):
                Settings = self.env["city.points.settings"].with_user(self.operator).with_context(lang="zh_CN")
                settings = Settings.create({name: value})
                with self.assertRaises(ValidationError) as caught:
                    settings.action_save()
                self.assertRegex(str(caught.exception), "[\u4e00-\u9fff]", "the message is in Chinese")
        self.assertEqual(self.company.city_points_validity_days, 365)
