# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CityTestCommon


@tagged("post_install", "-at_install")
class TestMerchant(CityTestCommon):
    def test_merchant_code_and_category(self):
        self.assertTrue(self.merchant_a.merchant_code.startswith("M"))
        self.assertNotEqual(self.merchant_a.merchant_code, self.merchant_b.merchant_code)
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create({"name": "No category", "is_merchant": True})

    def test_merchants_are_archived_not_deleted(self):
        with self.assertRaises(UserError):
            self.merchant_a.unlink()
        self.assertTrue(self.manager_a.active)
        self.merchant_a.action_archive()
        self.assertFalse(self.merchant_a.active)
        self.assertFalse(self.manager_a.active, "archiving a merchant locks its staff out")
        self.assertFalse(self.staff_a.active)
        self.assertTrue(self.manager_b.active)

    def test_opening_hours(self):
        merchant = self._create_merchant("深夜酒吧", self.category_tea, 30.2591, 120.1486, opening_hours_ids=[])
        merchant.opening_hours_ids = [
            (0, 0, {"dayofweek": day, "hour_from": 18.0, "hour_to": 2.0}) for day in ("4", "5")
        ] + [(0, 0, {"dayofweek": "0", "hour_from": 9.5, "hour_to": 12.0})]
        # Shanghai is UTC+8: 2026-11-27 is a Friday.
        friday_2300 = datetime(2026, 11, 27, 15, 0)  # 23:00 local
        saturday_0130 = datetime(2026, 11, 27, 17, 30)  # Sat 01:30 local
        saturday_0300 = datetime(2026, 11, 27, 19, 0)  # Sat 03:00 local
        monday_1000 = datetime(2026, 11, 30, 2, 0)  # Mon 10:00 local
        monday_1200 = datetime(2026, 11, 30, 4, 0)  # Mon 12:00 local: closed (end is exclusive)
        self.assertTrue(merchant._is_open_at(friday_2300))
        self.assertTrue(merchant._is_open_at(saturday_0130))
        self.assertFalse(merchant._is_open_at(saturday_0300))
        self.assertTrue(merchant._is_open_at(monday_1000))
        self.assertFalse(merchant._is_open_at(monday_1200))
        self.assertEqual(
            merchant.with_context(lang="en_US").opening_hours_summary, "Monday 09:30–12:00; Friday–Saturday 18:00–02:00"
        )
        with self.assertRaises(ValidationError):
            merchant.opening_hours_ids.filtered(lambda p: p.dayofweek == "4").hour_to = 18.0

    def test_opening_hours_summary_groups_days(self):
        self.assertEqual(self.merchant_a.with_context(lang="en_US").opening_hours_summary, "Monday–Sunday 10:00–22:00")

    def test_district_geometry(self):
        self.assertTrue(self.district._contains_point(30.2595, 120.1490))
        self.assertFalse(self.district._contains_point(30.2760, 120.1485))  # ~1.9 km north
        self.assertAlmostEqual(self.district._distance_m(30.2680, 120.1485), 1000.8, delta=1.0)
        self.assertFalse(self.merchant_a.outside_district)
        far = self._create_merchant("远郊门店", self.category_tea, 30.33, 120.20)
        self.assertTrue(far.outside_district)
        self.assertGreater(far.district_distance_m, 9000)
        self.assertEqual(self.district.merchant_count, 3)
        near = self.env["res.partner"]._merchants_near(30.2590, 120.1485, 200)
        self.assertEqual(near, self.merchant_b | self.merchant_a, "nearest first, far merchant excluded")
        with self.assertRaises(Exception):  # noqa: B017 - CHECK constraint, raised by PostgreSQL
            with self.cr.savepoint():
                self.district.radius_m = 0
                self.district.flush_recordset()

    def test_platform_fields_are_operator_only(self):
        partner_a = self.merchant_a.with_user(self.manager_a)
        partner_a.merchant_contact_name = "新店长"
        for vals in (
            {"is_merchant": False},
            {"district_id": False},
            {"merchant_code": "HACK"},
            {"merchant_category_id": self.category_fitness.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                partner_a.write(vals)
        bank = self.env["res.partner.bank"].create({"acc_number": "6222000011112222", "partner_id": self.merchant_a.id})
        with self.assertRaises(AccessError):
            partner_a.settlement_bank_id = bank
        self.merchant_a.with_user(self.operator).settlement_bank_id = bank
        self.assertEqual(self.merchant_a.settlement_bank_id, bank)

    def test_settlement_bank_must_be_the_merchants(self):
        bank_b = self.env["res.partner.bank"].create(
            {"acc_number": "6222000033334444", "partner_id": self.merchant_b.id}
        )
        with self.assertRaises(ValidationError):
            self.merchant_a.settlement_bank_id = bank_b

    def test_my_merchant_action(self):
        action = self.env["res.partner"].with_user(self.manager_a).action_open_my_merchant()
        self.assertEqual(action["res_id"], self.merchant_a.id)
        with self.assertRaises(UserError):
            self.env["res.partner"].with_user(self.operator).action_open_my_merchant()

    def test_category_translation(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.assertEqual(self.category_tea.with_context(lang="zh_CN").name, "茶饮")
        self.assertEqual(self.env.ref("city_base.merchant_category_dining").with_context(lang="zh_CN").name, "餐饮")
