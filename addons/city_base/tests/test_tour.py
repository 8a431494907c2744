# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import shutil

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMerchantTour(HttpCase):
    def setUp(self):
        super().setUp()
        # The tour must really run: a missing browser is a failure, not a skip.
        self.assertTrue(
            any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
            "Chromium is needed for tours (scripts/setup.sh installs it)",
        )

    def test_merchant_manager_changes_opening_hours(self):
        merchant = self.env["res.partner"].create(
            {
                "name": "巡演茶馆",
                "is_company": True,
                "is_merchant": True,
                "merchant_category_id": self.env.ref("city_base.merchant_category_tea").id,
                "opening_hours_ids": [(0, 0, {"dayofweek": "0", "hour_from": 10.0, "hour_to": 22.0})],
            }
        )
        new_test_user(
            self.env,
            login="tour_manager",
            password="tour_manager_pw",
            groups="base.group_user,city_base.group_merchant_manager",
            merchant_id=merchant.id,
            lang="en_US",
        )
        self.start_tour("/odoo", "city_base_merchant_opening_hours", login="tour_manager", timeout=120)
        period = merchant.opening_hours_ids
        self.assertEqual(len(period), 1)
        self.assertEqual(period.hour_from, 9.0)
        self.assertEqual(period.hour_to, 23.5)
