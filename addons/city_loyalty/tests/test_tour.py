# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import shutil

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestOperatorTour(HttpCase):
    def test_operator_configures_rule_and_reward(self):
        self.assertTrue(
            any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
            "Chromium is needed for tours (scripts/setup.sh installs it)",
        )
        new_test_user(
            self.env,
            login="tour_operator",
            password="tour_operator_pw",
            groups="base.group_user,city_base.group_operator",
            lang="en_US",
        )
        self.env["loyalty.program"].create({"name": "巡演券", "program_type": "coupons"})
        member = self.env["res.partner"].create({"name": "巡演会员", "is_member": True})
        self.env["city.points.wallet"]._get_wallets(member)._earn(88, note="tour")
        self.start_tour("/odoo", "city_loyalty_operator_points", login="tour_operator", timeout=180)
        rule = self.env["city.points.rule"].search([("name", "=", "巡演每元2分")])
        self.assertEqual((rule.event, rule.points_per_yuan, rule.daily_cap), ("purchase", 2.0, 300))
        reward = self.env["city.points.reward"].search([("name", "=", "巡演代金券")])
        self.assertEqual((reward.kind, reward.points_cost, reward.loyalty_program_id.name), ("coupon", 300, "巡演券"))
