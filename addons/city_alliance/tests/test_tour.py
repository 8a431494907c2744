# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import shutil

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestOperatorAllianceTour(HttpCase):
    def test_operator_creates_alliance_and_trigger(self):
        self.assertTrue(
            any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
            "Chromium is needed for tours (scripts/setup.sh installs it)",
        )
        new_test_user(
            self.env,
            login="tour_alliance_operator",
            password="tour_alliance_operator_pw",
            groups="base.group_user,city_base.group_operator",
            lang="zh_CN",
        )
        category = self.env.ref("city_base.merchant_category_dining")
        for name in ("巡演火锅", "巡演KTV"):
            self.env["res.partner"].create(
                {"name": name, "is_company": True, "is_merchant": True, "merchant_category_id": category.id}
            )
        self.env["loyalty.program"].create({"name": "巡演KTV券", "program_type": "coupons"})
        self.env["res.partner"].create({"name": "巡演会员", "is_member": True})
        self.start_tour("/odoo", "city_alliance_operator_alliance", login="tour_alliance_operator", timeout=240)
        alliance = self.env["city.alliance"].search([("name", "=", "巡演火锅KTV联盟")])
        self.assertEqual(sorted(alliance.member_ids.mapped("merchant_id.name")), ["巡演KTV", "巡演火锅"])
        self.assertEqual(set(alliance.member_ids.mapped("state")), {"invited"})
        trigger = self.env["city.alliance.trigger"].search([("name", "=", "巡演火锅送KTV券")])
        self.assertEqual(
            (trigger.alliance_id, trigger.partner_merchant_id.name, trigger.program_id.name, trigger.min_amount),
            (alliance, "巡演KTV", "巡演KTV券", 100.0),
        )
        campaign = self.env["city.campaign"].search([("name", "=", "巡演KTV召回")])
        self.assertEqual(
            (campaign.merchant_id.name, campaign.state, campaign.holdout_pct), ("巡演KTV", "running", 20.0)
        )
        self.assertTrue(campaign.send_ids, "sent to every member (no segment, no radius), or held out")
