# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from odoo.addons.city_alliance.models.city_campaign import FREQUENCY_CAP_PARAM

from .common import CityAllianceCommon


@tagged("post_install", "-at_install")
class TestGrowthSettings(CityAllianceCommon):
    def test_operator_edits_recommendation_parameters(self):
        Link = self.env["city.recommendation.link"]
        settings = Form(self.env["city.growth.settings"].with_user(self.operator))
        self.assertEqual(settings.recommendation_min_support, Link._city_param("min_support"))
        settings.recommendation_min_support = 5
        settings.recommendation_window_hours = 2
        settings.campaign_weekly_cap = 3
        settings.save().action_save()
        self.assertEqual((Link._city_param("min_support"), Link._city_param("window_hours")), (5, 2))
        self.assertEqual(self.env["ir.config_parameter"].get_param(FREQUENCY_CAP_PARAM), "3")

    def test_merchants_cannot(self):
        Settings = self.env["city.growth.settings"].with_user(self.manager_ktv)
        with self.assertRaises(AccessError):
            Settings.default_get(["recommendation_min_support"])
        with self.assertRaises(AccessError):
            Settings.create({"recommendation_min_support": 1})
        mine = self.env["city.growth.settings"].with_user(self.operator).create({})
        with self.assertRaises(AccessError):
            mine.with_user(self.manager_ktv).action_save()
