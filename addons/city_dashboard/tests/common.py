# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base of city_dashboard: eight weeks of three merchants' life, generated in bulk,
and the cockpit's figures computed independently, in Python, from the base tables."""

import datetime
import random
import zoneinfo
from collections import Counter, defaultdict

from odoo import fields
from odoo.tools import SQL

from odoo.addons.city_alliance.tests.common import CityAllianceCommon

from ..tools import generate

TZ = "Asia/Shanghai"


class CityDashboardCommon(CityAllianceCommon):
    DAYS = 56
    PER_DAY = 30

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("city_dashboard.tz", TZ)
        cls.merchants = cls.hotpot | cls.ktv | cls.beer
        cls.members = cls.env["res.partner"].create(
            [{"name": f"驾驶舱会员{n:02d}", "is_member": True} for n in range(40)]
        )
        cls.today = fields.Datetime.context_timestamp(cls.env.user.with_context(tz=TZ), fields.Datetime.now()).date()
        cls.date_to = cls.today - datetime.timedelta(days=1)
        cls.date_from = cls.date_to - datetime.timedelta(days=27)
        cls.ktv_voucher = cls._create_merchant_product(
            cls.ktv, 100.0, name="KTV欢唱券", city_ticket_type="voucher", city_valid_days=30
        )
        rng = random.Random(14)
        profiles = [(cls.hotpot.id, "dining", 3), (cls.ktv.id, "night", 2), (cls.beer.id, "night", 1)]
        start = cls.today - datetime.timedelta(days=cls.DAYS)
        orders = generate.plan_orders(rng, profiles, cls.members.ids, start, cls.DAYS, cls.PER_DAY, tz=TZ)
        cls.env.flush_all()
        generate.insert_orders(cls.env.cr, cls.env.company.id, cls.env.company.currency_id.id, orders)
        generate.insert_redemptions(
            cls.env.cr,
            cls.env.company.id,
            [
                (partner, merchant, cls.ktv_voucher.id, cls.ktv_voucher.product_tmpl_id.id, at)
                for partner, merchant, at, _amounts in orders
                if merchant == cls.ktv.id and rng.random() < 0.6
            ],
        )
        cls.env.invalidate_all()
        cls.Rollup = cls.env["city.dashboard.rollup"]
        cls.Rollup._city_refresh()

    def _filters(self, **vals):
        return {
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "merchant_ids": self.merchants.ids,
            **vals,
        }

    # --- independent figures, from the base tables ------------------------------------

    def _local(self, utc):
        return utc.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(TZ)).replace(tzinfo=None)

    def _base_rows(self, merchants):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT merchant_id, order_id, partner_id, paid_date, amount_paid FROM city_escrow"
                " WHERE merchant_id = ANY(%s) AND paid_date IS NOT NULL",
                merchants.ids,
            )
        )
        escrow = [(m, o, p, self._local(at), amount) for m, o, p, at, amount in self.env.cr.fetchall()]
        self.env.cr.execute(
            SQL(
                "SELECT merchant_id, partner_id, create_date FROM city_ticket_redemption WHERE merchant_id = ANY(%s)",
                merchants.ids,
            )
        )
        redemptions = [(m, p, self._local(at)) for m, p, at in self.env.cr.fetchall()]
        return escrow, redemptions

    def _expected(self, merchants, date_from, date_to):
        """The cockpit's figures for ``merchants`` over local days ``date_from``..``date_to``."""
        escrow, redemptions = self._base_rows(merchants)

        def within(at):
            return date_from <= at.date() <= date_to

        period = [row for row in escrow if within(row[3])]
        orders = {(m, o) for m, o, _p, _at, _amount in period}
        gmv = sum(amount for *_rest, amount in period)
        member_orders = defaultdict(set)
        for m, o, p, _at, _amount in period:
            if p:
                member_orders[p].add((m, o))
        earlier = {p for _m, _o, p, at, _amount in escrow if p and at.date() < date_from}
        heat = Counter()
        order_slots = {(m, o): at for m, o, _p, at, _amount in period}
        for at in order_slots.values():
            heat[(at.weekday(), at.hour * 2 + at.minute // 30)] += 1
        period_redemptions = [row for row in redemptions if within(row[2])]
        for _m, _p, at in period_redemptions:
            heat[(at.weekday(), at.hour * 2 + at.minute // 30)] += 1
        active = len(member_orders)
        return {
            "gmv": round(float(gmv), 2),
            "orders": len(orders),
            "aov": round(float(gmv) / len(orders), 2) if orders else None,
            "redemptions": len(period_redemptions),
            "new_members": len(set(member_orders) - earlier),
            "returning_members": len(set(member_orders) & earlier),
            "repurchase_rate": round(sum(1 for o in member_orders.values() if len(o) >= 2) / active, 4)
            if active
            else None,
            "heat": heat,
        }

    def assertCockpitMatches(self, data, merchants, date_from=None, date_to=None):
        expected = self._expected(merchants, date_from or self.date_from, date_to or self.date_to)
        kpis = {k["key"]: k["value"] for k in data["kpis"]}
        for key in ("gmv", "orders", "aov", "redemptions", "new_members", "returning_members", "repurchase_rate"):
            self.assertEqual(kpis[key], expected[key], key)
        heat = {
            (day, slot): value
            for day, row in enumerate(data["heatmap"]["values"])
            for slot, value in enumerate(row)
            if value
        }
        self.assertEqual(heat, dict(expected["heat"]))
        return expected

    def _district(self):
        """Every merchant (the operator's cockpit without filters)."""
        return self.env["res.partner"].with_context(active_test=False).search([("is_merchant", "=", True)])

    def assertDistrictRollupsExact(self):
        """The district's slots, visits and gap rows equal those built afresh from the merchants' rollups,
        and the district's member figures equal those of the member-day rollup over periods of several
        lengths."""
        cr = self.env.cr
        cr.execute(
            "SELECT company_id, day, weekday, slot, SUM(orders), SUM(lines), SUM(gmv), SUM(redemptions),"
            " SUM(redeemed_uses) FROM city_dashboard_slot GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4"
        )
        expected_slots = cr.fetchall()
        cr.execute(
            "SELECT company_id, day, weekday, slot, orders, lines, gmv, redemptions, redeemed_uses"
            " FROM city_dashboard_district_slot ORDER BY 1, 2, 4"
        )
        self.assertEqual(cr.fetchall(), expected_slots)
        fresh = SQL(
            "SELECT company_id, partner_id, day, SUM(orders) AS orders, TRUE AS emit"
            " FROM city_dashboard_member_day GROUP BY 1, 2, 3"
        )
        cr.execute(SQL("SELECT company_id, partner_id, day, orders FROM (%s) v ORDER BY 1, 2, 3", fresh))
        expected_visits = cr.fetchall()
        cr.execute("SELECT company_id, partner_id, day, orders FROM city_dashboard_member_visit ORDER BY 1, 2, 3")
        self.assertEqual(cr.fetchall(), expected_visits)
        cr.execute(SQL("SELECT * FROM (%s) g ORDER BY 1, 2, 3, 4", self.Rollup._city_gap_rows(fresh)))
        expected_gaps = cr.fetchall()
        cr.execute(
            "SELECT company_id, day, gap_prev, gap_next, members FROM city_dashboard_member_gap ORDER BY 1, 2, 3, 4"
        )
        self.assertEqual(cr.fetchall(), expected_gaps)
        dashboard = self.env["city.dashboard"].with_user(self.operator)
        scope = dashboard._city_scope({})
        self.assertTrue(scope.whole_district)
        for back, days in ((0, 1), (1, 7), (1, 28), (29, 28), (0, 60), (90, 366)):
            date_to = self.today - datetime.timedelta(days=back)
            date_from = date_to - datetime.timedelta(days=days - 1)
            self.assertEqual(
                dashboard._city_district_member_counts(scope, date_from, date_to),
                dashboard._city_scope_member_counts(scope, date_from, date_to),
                f"{date_from}..{date_to}",
            )
        self.assertMerchantGapsExact()

    def assertMerchantGapsExact(self):
        """Each merchant's gap rows equal those built afresh from the member-day rollup, and a merchant's
        member figures from them equal those of the member-day rollup over periods of several lengths."""
        cr = self.env.cr
        fresh = self.Rollup._city_gap_rows(self.Rollup._city_merchant_visits(), key="merchant_id")
        cr.execute(SQL("SELECT * FROM (%s) g ORDER BY 1, 2, 3, 4, 5", fresh))
        expected_gaps = cr.fetchall()
        cr.execute(
            "SELECT company_id, merchant_id, day, gap_prev, gap_next, members FROM city_dashboard_merchant_gap"
            " ORDER BY 1, 2, 3, 4, 5"
        )
        self.assertEqual(cr.fetchall(), expected_gaps)
        dashboard = self.env["city.dashboard"].with_user(self.operator)
        for merchant in self.merchants:
            scope = dashboard._city_scope({"merchant_ids": merchant.ids})
            self.assertFalse(scope.whole_district)
            for back, days in ((0, 1), (1, 7), (1, 28), (29, 28), (0, 60), (90, 366)):
                date_to = self.today - datetime.timedelta(days=back)
                date_from = date_to - datetime.timedelta(days=days - 1)
                self.assertEqual(
                    dashboard._city_merchant_member_counts(scope, date_from, date_to),
                    dashboard._city_scope_member_counts(scope, date_from, date_to),
                    f"{merchant.name} {date_from}..{date_to}",
                )
        self.assertCategoryGapsExact()

    def assertCategoryGapsExact(self):
        """Each category's gap rows equal those built afresh from the member-day rollup and the merchants'
        categories now, and a category's member figures from them equal those of the member-day rollup."""
        cr = self.env.cr
        visits = SQL(
            "SELECT m.company_id, p.merchant_category_id AS category_id, m.partner_id, m.day,"
            " SUM(m.orders) AS orders, TRUE AS emit FROM city_dashboard_member_day m"
            " JOIN res_partner p ON p.id = m.merchant_id WHERE p.merchant_category_id IS NOT NULL GROUP BY 1, 2, 3, 4"
        )
        cr.execute(
            SQL("SELECT * FROM (%s) g ORDER BY 1, 2, 3, 4, 5", self.Rollup._city_gap_rows(visits, "category_id"))
        )
        expected_gaps = cr.fetchall()
        cr.execute(
            "SELECT company_id, category_id, day, gap_prev, gap_next, members FROM city_dashboard_category_gap"
            " ORDER BY 1, 2, 3, 4, 5"
        )
        self.assertEqual(cr.fetchall(), expected_gaps)
        dashboard = self.env["city.dashboard"].with_user(self.operator)
        for category in self.merchants.merchant_category_id:
            scope = dashboard._city_scope({"category_ids": category.ids})
            self.assertTrue(dashboard._city_category_counted(scope), category.name)
            for back, days in ((0, 1), (1, 7), (1, 28), (29, 28), (0, 60), (90, 366)):
                date_to = self.today - datetime.timedelta(days=back)
                date_from = date_to - datetime.timedelta(days=days - 1)
                self.assertEqual(
                    dashboard._city_category_member_counts(scope, date_from, date_to),
                    dashboard._city_scope_member_counts(scope, date_from, date_to),
                    f"{category.name} {date_from}..{date_to}",
                )
