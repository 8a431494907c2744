# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CityAllianceCommon


@tagged("post_install", "-at_install")
class TestCouponMoney(CityAllianceCommon):
    def _issue(self, program=None, merchant=None, funding="source", funder=None, source=None, partner=None):
        return self.env["city.coupon.issue"]._city_issue_coupons(
            [
                {
                    "partner_id": (partner or self.member).id,
                    "program_id": (program or self.program_ktv).id,
                    "merchant_id": (merchant or self.ktv).id,
                    "source_merchant_id": (source or self.hotpot).id,
                    "funder_id": (funder or self.hotpot).id if funding in ("source", "partner") else False,
                    "funding": funding,
                    "alliance_id": self.alliance.id,
                    "company_id": self.company.id,
                }
            ]
        )

    def _allocations(self, issue):
        return self.env["city.settlement.allocation"].search([("source_ref", "=", f"city.coupon.issue,{issue.id}")])

    def test_escrow_is_what_the_member_paid(self):
        issue = self._issue()
        order = self._order_with_coupon(self.member, [self.ktv_room], issue)
        self.assertEqual(order.amount_total, 70.0)
        self._pay_order(order)
        self.assertEqual(order.city_escrow_ids.mapped("amount_paid"), [70.0], "满100减30 escrows exactly ¥70")
        self.assertEqual(order.city_escrow_ids.merchant_id, self.ktv)

    def test_discount_taken_from_the_coupon_merchants_lines_only(self):
        issue = self._issue()
        # Two KTV lines (33.33 + 66.68) and a hotpot line: the ¥30 comes off the KTV lines, cent-exact.
        order = self._order_with_coupon(
            self.member, [(self.ktv_room, 1, 33.33), (self.ktv_room, 1, 66.68), self.hotpot_meal], issue
        )
        self._pay_order(order)
        escrows = order.city_escrow_ids
        ktv = escrows.filtered(lambda e: e.merchant_id == self.ktv).sorted("amount_paid")
        self.assertEqual(ktv.mapped("amount_paid"), [23.33, 46.68])
        self.assertEqual(escrows.filtered(lambda e: e.merchant_id == self.hotpot).amount_paid, 150.0)
        self.assertEqual(round(sum(escrows.mapped("amount_paid")), 2), order.amount_total)

    def test_funder_charged_and_accepting_merchant_reimbursed(self):
        issue = self._issue()
        order = self._order_with_coupon(self.member, [self.ktv_room], issue)
        self._pay_order(order)
        self._process_events()
        self.assertEqual((issue.state, issue.discount_amount, issue.revenue_amount), ("used", 30.0, 70.0))
        self.assertEqual(issue.used_order_id, order)
        lines = self._allocations(issue)
        self.assertEqual(
            sorted((a.role, a.merchant_id.name, a.amount) for a in lines),
            [("coupon_funding", "测试火锅", -30.0), ("coupon_reimburse", "测试KTV", 30.0)],
        )
        self._process_events()
        self.assertEqual(len(self._allocations(issue)), 2, "booked once")
        move = self.env["city.settlement.allocation"]._post_batch(company=self.company)
        self.assertTrue(move)
        self.assertEqual(self._account_balance(self.city_accounts["city_coupon_clearing_account_id"]), 0.0)
        payable = self.city_accounts["city_merchant_payable_account_id"]
        self.assertEqual(self._account_balance(payable, self.hotpot), -30.0)
        self.assertEqual(self._account_balance(payable, self.ktv), 30.0)
        self.assertTrialBalanceBalances()
        # Both statements show it.
        Settlement = self.env["city.settlement"].sudo()
        Settlement._run_settlements(today=date.today() + timedelta(days=2), merchants=self.ktv | self.hotpot)
        statements = Settlement.search([("merchant_id", "in", (self.ktv | self.hotpot).ids)])
        self.assertEqual(
            sorted((s.merchant_id.name, s.amount_coupons) for s in statements), [("测试KTV", 30.0), ("测试火锅", -30.0)]
        )

    def test_alliance_shares_and_platform_funding(self):
        members = self.alliance.member_ids
        for merchant, share in ((self.hotpot, 1), (self.ktv, 1), (self.beer, 1)):
            members.filtered(lambda m, x=merchant: m.merchant_id == x).coupon_share = share
        program = self._create_coupon_program("KTV无门槛10元", self.ktv, discount=10.0)
        issue = self._issue(program=program, funding="alliance")
        issue._city_mark_used(1000, 5000)
        # ¥10 over three equal shares: 3.34 + 3.33 + 3.33; the KTV's own share moves nothing.
        lines = self._allocations(issue)
        self.assertEqual(
            sorted((a.role, a.merchant_id.name, a.amount) for a in lines),
            [
                ("coupon_funding", "测试火锅", -3.34),
                ("coupon_funding", "测试精酿", -3.33),
                ("coupon_reimburse", "测试KTV", 6.67),
            ],
        )
        platform = self._issue(program=program, funding="operator")
        platform._city_mark_used(500, 5000)
        self.assertEqual(
            sorted((a.role, a.beneficiary_id.id, a.amount) for a in self._allocations(platform)),
            [("coupon_platform", self.company.partner_id.id, -5.0), ("coupon_reimburse", self.ktv.id, 5.0)],
        )
        own = self._issue(program=program, funding="partner", funder=self.ktv)
        own._city_mark_used(500, 5000)
        self.assertFalse(self._allocations(own), "a merchant's own coupon moves no money")
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        self.assertTrialBalanceBalances()

    def test_use_at_the_counter(self):
        issue = self._issue()
        wizard = (
            self.env["city.coupon.use.wizard"].with_user(self.staff_a).create({"code": issue.code, "bill_amount": 120})
        )
        with self.assertRaises(UserError, msg="merchant A cannot use the KTV's coupon"):
            wizard.action_confirm()
        wizard = (
            self.env["city.coupon.use.wizard"].with_user(self.staff_ktv).create({"code": issue.code, "bill_amount": 99})
        )
        with self.assertRaises(UserError, msg="满100: a ¥99 bill does not qualify"):
            wizard.action_confirm()
        wizard.bill_amount = 120
        wizard.action_confirm()
        self.assertEqual((issue.state, issue.discount_amount, issue.revenue_amount), ("used", 30.0, 90.0))
        self.assertEqual(issue.card_id.points, 0)
        with self.assertRaises(UserError):
            self.env["city.coupon.issue"]._city_use_at_counter(issue.code, self.ktv, 120)
        self.assertEqual(sum(self._allocations(issue).mapped("amount")), 0.0)
        with self.assertRaises(AccessError):
            issue.with_user(self.operator).action_use_at_counter()

    def test_member_api_and_access(self):
        issue = self._issue()
        Issue = self.env["city.coupon.issue"]
        claimable = Issue._city_claimable_coupons(self.member)
        self.assertEqual([c["id"] for c in claimable], issue.ids)
        self.assertIsNone(claimable[0]["code"], "the code shows once claimed")
        with self.assertRaises(UserError):
            Issue._city_claim_coupon(self.member_b, issue.id)
        claimed = Issue._city_claim_coupon(self.member, issue.id)
        self.assertEqual((claimed["state"], claimed["code"]), ("claimed", issue.code))
        with self.assertRaises(UserError):
            Issue._city_claim_coupon(self.member, issue.id)
        self.assertFalse(Issue._city_claimable_coupons(self.member))
        self.assertEqual([c["id"] for c in Issue._city_member_coupons(self.member)], issue.ids)
        # Record rules: the KTV (used at), the hotpot (issued at, funder) see it; merchant A does not.
        for user in (self.staff_ktv, self.manager_hotpot, self.operator):
            self.assertEqual(Issue.with_user(user).search([("id", "=", issue.id)]), issue)
        self.assertFalse(Issue.with_user(self.staff_a).search([("id", "=", issue.id)]))
        with freeze_time("2030-01-01"):
            self.assertGreaterEqual(Issue._cron_expire(), 1)
        self.assertEqual(issue.state, "expired")
