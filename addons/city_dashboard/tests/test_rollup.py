# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import datetime

from odoo import fields
from odoo.tests import tagged

from ..tools import generate
from .common import CityDashboardCommon


@tagged("post_install", "-at_install")
class TestCockpitFigures(CityDashboardCommon):
    def test_figures_equal_base_tables(self):
        data = self.env["city.dashboard"].with_user(self.operator).get_cockpit_data(self._filters())
        expected = self.assertCockpitMatches(data, self.merchants)
        self.assertGreater(expected["orders"], 500, "weeks of generated orders")
        self.assertGreater(expected["redemptions"], 50)
        previous = self._expected(
            self.merchants, self.date_from - datetime.timedelta(days=28), self.date_from - datetime.timedelta(days=1)
        )
        gmv = next(k for k in data["kpis"] if k["key"] == "gmv")
        self.assertEqual(gmv["previous"], previous["gmv"])
        self.assertEqual(gmv["change"], round((expected["gmv"] - previous["gmv"]) / previous["gmv"], 4))
        self.assertEqual(sum(data["daily"]["orders"]), expected["orders"])
        self.assertEqual(len(data["daily"]["days"]), 28)
        by_merchant = {m["id"]: m for m in data["merchants"]}
        for merchant in self.merchants:
            one = (
                self.env["city.dashboard"]
                .with_user(self.operator)
                .get_cockpit_data(self._filters(merchant_ids=[merchant.id]))
            )
            sub = self.assertCockpitMatches(one, merchant)
            self.assertEqual(by_merchant[merchant.id]["orders"], sub["orders"])

    def test_district_figures_equal_base_tables(self):
        """The operator's cockpit without filters covers the district: it reads the district's rollups,
        and its figures still equal those computed from the base tables."""
        data = self.env["city.dashboard"].with_user(self.operator).get_cockpit_data(self._filters(merchant_ids=[]))
        self.assertCockpitMatches(data, self._district())
        self.assertDistrictRollupsExact()
        merchant = self.env["city.dashboard"].with_user(self.operator)._city_scope({"merchant_ids": self.ktv.ids})
        self.assertFalse(merchant.whole_district, "one merchant reads its gap rows, not the district's")

    def test_category_filter_and_measure(self):
        dining = self.env.ref("city_base.merchant_category_dining")
        data = (
            self.env["city.dashboard"]
            .with_user(self.operator)
            .get_cockpit_data(self._filters(category_ids=[dining.id], measure="gmv"))
        )
        self.assertEqual({m["id"] for m in data["merchants"]}, {self.hotpot.id, self.beer.id})
        self.assertAlmostEqual(
            sum(map(sum, data["heatmap"]["values"])),
            self._expected(self.hotpot | self.beer, self.date_from, self.date_to)["gmv"],
            places=2,
        )
        dashboard = self.env["city.dashboard"].with_user(self.operator)
        data = dashboard.get_cockpit_data(self._filters(category_ids=dining.ids, merchant_ids=[]))
        self.assertTrue(dashboard._city_category_counted(dashboard._city_scope({"category_ids": dining.ids})))
        self.assertCockpitMatches(data, self._of_category(dining))

    def _of_category(self, category):
        return self._district().filtered(lambda merchant: merchant.merchant_category_id == category)

    def test_merchant_changing_category(self):
        """A merchant moved to another category: until a run rebuilds the category gap rows, neither
        category reads them (the member-day rollup answers); after it they are exact again."""
        dining = self.env.ref("city_base.merchant_category_dining")
        other = self.ktv.merchant_category_id
        dashboard = self.env["city.dashboard"].with_user(self.operator)
        self.hotpot.merchant_category_id = other
        self.env.flush_all()
        for category in dining | other:
            scope = dashboard._city_scope({"category_ids": category.ids})
            self.assertFalse(dashboard._city_category_counted(scope))
            data = dashboard.get_cockpit_data(self._filters(category_ids=category.ids, merchant_ids=[]))
            self.assertCockpitMatches(data, self._of_category(category))
        self.Rollup._city_refresh()
        self.assertCategoryGapsExact()

    def test_new_orders_show_after_a_refresh(self):
        """Orders paid through the real flow (escrow on payment) and generated ones after the
        first run: the next run recomputes only the touched merchant-days."""
        order = self._create_paid_order(self.members[0], [(self.hotpot_meal, 2)])
        self.assertTrue(order.city_paid_date)
        yesterday = fields.Datetime.to_datetime(fields.Date.to_string(self.date_to)) + datetime.timedelta(hours=4)
        generate.insert_orders(
            self.env.cr,
            self.env.company.id,
            self.env.company.currency_id.id,
            [(self.members[1].id, self.beer.id, yesterday, [88.0, 12.5])],
        )
        dirty = self.Rollup._city_refresh()
        self.assertLessEqual(dirty, 4, "only the merchant-days of the new lines are recomputed")
        today = fields.Date.to_string(self.today)
        data = (
            self.env["city.dashboard"]
            .with_user(self.operator)
            .get_cockpit_data(self._filters(date_from=fields.Date.to_string(self.date_from), date_to=today))
        )
        self.assertCockpitMatches(data, self.merchants, date_to=self.today)
        self.assertDistrictRollupsExact()

    def test_member_gaps_follow_late_and_repeated_visits(self):
        """Visits counted by later runs before, between and after a member's known visits, a second
        order on a known day, and a new member: the gap rows stay those of a rebuild."""
        newcomer = self.env["res.partner"].create({"name": "间隔会员", "is_member": True})
        noon = fields.Datetime.to_datetime(fields.Date.to_string(self.date_to)) + datetime.timedelta(hours=4)
        rounds = [
            [(self.members[3], self.hotpot, 0), (newcomer, self.beer, 3)],
            [(self.members[3], self.ktv, 0), (newcomer, self.hotpot, 20), (self.members[5], self.beer, 50)],
            [(newcomer, self.ktv, 10), (self.members[5], self.hotpot, 400), (self.members[7], self.beer, 1)],
        ]
        for visits in rounds:
            generate.insert_orders(
                self.env.cr,
                self.env.company.id,
                self.env.company.currency_id.id,
                [(m.id, merchant.id, noon - datetime.timedelta(days=back), [20.0]) for m, merchant, back in visits],
            )
            self.Rollup._city_refresh()
            self.assertDistrictRollupsExact()
        data = self.env["city.dashboard"].with_user(self.operator).get_cockpit_data(self._filters(merchant_ids=[]))
        self.assertCockpitMatches(data, self._district())

    def test_rebuild_equals_incremental(self):
        queries = (
            "SELECT merchant_id, day, slot, orders, lines, gmv, redemptions FROM city_dashboard_slot ORDER BY 1, 2, 3",
            "SELECT merchant_id, partner_id, day, orders, gmv, first_visit FROM city_dashboard_member_day"
            " ORDER BY 1, 2, 3",
            "SELECT company_id, day, slot, orders, lines, gmv, redemptions FROM city_dashboard_district_slot"
            " ORDER BY 1, 2, 3",
            "SELECT company_id, partner_id, day, orders FROM city_dashboard_member_visit ORDER BY 1, 2, 3",
            "SELECT company_id, day, gap_prev, gap_next, members FROM city_dashboard_member_gap ORDER BY 1, 2, 3, 4",
            "SELECT company_id, merchant_id, day, gap_prev, gap_next, members FROM city_dashboard_merchant_gap"
            " ORDER BY 1, 2, 3, 4, 5",
            "SELECT company_id, category_id, day, gap_prev, gap_next, members FROM city_dashboard_category_gap"
            " ORDER BY 1, 2, 3, 4, 5",
        )
        incremental = [self._rows(query) for query in queries]
        self.Rollup._city_rebuild()
        self.assertEqual([self._rows(query) for query in queries], incremental)

    def _rows(self, query):
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    def test_first_visit_moves_to_an_earlier_day_counted_later(self):
        """A line of an earlier day counted by a later run (a late commit) moves the first visit."""
        member = self.env["res.partner"].create({"name": "首访会员", "is_member": True})
        for days_back in (1, 40):
            at = fields.Datetime.to_datetime(fields.Date.to_string(self.date_to)) - datetime.timedelta(days=days_back)
            generate.insert_orders(
                self.env.cr,
                self.env.company.id,
                self.env.company.currency_id.id,
                [(member.id, self.beer.id, at + datetime.timedelta(hours=4), [30.0])],
            )
            self.Rollup._city_refresh()
        self.env.cr.execute(
            "SELECT day, first_visit FROM city_dashboard_member_day WHERE partner_id = %s ORDER BY day", [member.id]
        )
        self.assertEqual([first for _day, first in self.env.cr.fetchall()], [True, False])
        data = self.env["city.dashboard"].with_user(self.operator).get_cockpit_data(self._filters())
        self.assertCockpitMatches(data, self.merchants)
        self.assertDistrictRollupsExact()

    def test_points_and_coupons(self):
        wallet = self.env["city.points.wallet"]._get_wallets(self.members[2])
        wallet._earn(120, merchant=self.ktv)
        wallet._spend(20, merchant=self.hotpot)
        self.Rollup._city_refresh()
        today = fields.Date.to_string(self.today)
        data = (
            self.env["city.dashboard"]
            .with_user(self.operator)
            .get_cockpit_data(self._filters(date_from=today, date_to=today))
        )
        kpis = {k["key"]: k["value"] for k in data["kpis"]}
        self.assertEqual((kpis["points_issued"], kpis["points_redeemed"]), (120, 20))
        issues = self.env["city.coupon.issue"]._city_issue_coupons(
            [
                {
                    "partner_id": member.id,
                    "program_id": self.program_ktv.id,
                    "merchant_id": self.ktv.id,
                    "source_merchant_id": self.hotpot.id,
                }
                for member in self.members[:4]
            ]
        )
        issues[:2].write({"state": "claimed", "claimed_date": fields.Datetime.now()})
        issues[:1].write({"state": "used", "used_date": fields.Datetime.now(), "revenue_amount": 120.0})
        data = (
            self.env["city.dashboard"]
            .with_user(self.operator)
            .get_cockpit_data(self._filters(date_from=today, date_to=today))
        )
        self.assertEqual([s["value"] for s in data["funnels"]["coupon"]], [4, 2, 1])
        kpis = {k["key"]: k["value"] for k in data["kpis"]}
        self.assertEqual(kpis["coupon_redemption_rate"], 0.25)
        self.assertEqual(
            [(p["from"], p["to"], p["count"], p["revenue"]) for p in data["alliance"]["cross"]],
            [(self.hotpot.name, self.ktv.name, 1, 120.0)],
        )

    def test_campaign_results(self):
        """The cockpit shows city_alliance's figures of the campaigns that sent in the period,
        for the campaign's merchant (and the district), not for other merchants."""
        campaign = self.env["city.campaign"].create(
            {
                "name": "驾驶舱KTV活动",
                "merchant_id": self.ktv.id,
                "program_id": self.program_ktv.id,
                "holdout_pct": 20.0,
            }
        )
        campaign.action_start()
        sent_at = fields.Datetime.to_datetime(fields.Date.to_string(self.date_to))
        self.env["city.campaign.send"].create(
            [
                {
                    "campaign_id": campaign.id,
                    "company_id": self.env.company.id,
                    "partner_id": member.id,
                    "wave": "test",
                    "send_date": sent_at,
                    "holdout": n % 5 == 0,
                }
                for n, member in enumerate(self.members[:10])
            ]
        )
        expected = campaign._city_figures()[campaign.id]
        for user, seen in ((self.manager_ktv, True), (self.manager_hotpot, False), (self.operator, True)):
            data = self.env["city.dashboard"].with_user(user).get_cockpit_data(self._filters(merchant_ids=[]))
            rows = [row for row in data["campaigns"] if row["id"] == campaign.id]
            self.assertEqual(bool(rows), seen, user.login)
            if rows:
                self.assertEqual(rows[0]["row"][2:4], [float(expected["sent"]), float(expected["holdout"])])
                self.assertEqual(rows[0]["figures"]["roi"], expected["roi"])
