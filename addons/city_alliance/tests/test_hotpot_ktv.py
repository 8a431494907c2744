# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The growth loop end to end: pay at the hotpot restaurant at 20:00, get the KTV's
coupon, use it at the KTV; the new customer is attributed, the money is exact."""

from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CityAllianceCommon


@tagged("post_install", "-at_install")
class TestHotpotToKtv(CityAllianceCommon):
    def test_hotpot_to_ktv(self):
        trigger = self._create_trigger(
            min_amount=100.0, hour_from=17.0, hour_to=23.0, max_distance_m=1000, cap_per_member=1, budget_qty=100
        )
        # Tomorrow (the trigger starts today) at 20:00 in Shanghai, 12:00 UTC; the KTV the day after at 21:00.
        tomorrow = datetime.combine(datetime.utcnow().date() + timedelta(days=1), time(12))
        with freeze_time(tomorrow):
            hotpot_order = self._create_paid_order(self.member, self.hotpot_meal)
            self._process_events()
        issue = self._issues(trigger=trigger)
        self.assertEqual(len(issue), 1)
        self.assertEqual(
            (issue.source_merchant_id, issue.merchant_id, issue.funder_id), (self.hotpot, self.ktv, self.hotpot)
        )
        claimed = self.env["city.coupon.issue"]._city_claim_coupon(self.member, issue.id)
        self.assertEqual(claimed["merchant"], "测试KTV")

        with freeze_time(tomorrow + timedelta(days=1, hours=1)):
            ktv_order = self._order_with_coupon(self.member, [self.ktv_room], issue)
            self.assertEqual(ktv_order.amount_total, 70.0)
            self._pay_order(ktv_order)
            self._process_events()
        self.assertEqual(ktv_order.city_escrow_ids.amount_paid, 70.0)
        self.assertEqual((issue.state, issue.discount_amount, issue.revenue_amount), ("used", 30.0, 70.0))
        # The new customer is attributed to the hotpot restaurant and the trigger.
        attribution = self.env["city.alliance.attribution"].search([("partner_id", "=", self.member.id)])
        self.assertEqual(
            (attribution.merchant_id, attribution.source_merchant_id, attribution.trigger_id, attribution.order_id),
            (self.ktv, self.hotpot, trigger, ktv_order),
        )
        self.assertEqual(attribution.revenue_amount, 70.0)
        self.assertEqual(
            self.env["city.alliance.attribution"]._city_cross_customer_counts(), {(self.hotpot.id, self.ktv.id): 1}
        )
        pairs = self.env["city.coupon.issue"]._city_cross_consumption()
        ours = (self.hotpot | self.ktv | self.beer).ids  # the database's own (demo) coupons aside
        self.assertEqual(
            [
                (p["source_merchant_id"], p["merchant_id"], p["count"], p["revenue"])
                for p in pairs
                if p["merchant_id"] in ours
            ],
            [(self.hotpot.id, self.ktv.id, 1, 70.0)],
        )
        # The hotpot restaurant (funder) pays ¥30.00, the KTV is reimbursed ¥30.00, both on the books.
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        payable = self.city_accounts["city_merchant_payable_account_id"]
        self.assertEqual(self._account_balance(payable, self.hotpot), -30.0)
        self.assertEqual(self._account_balance(payable, self.ktv), 30.0)
        escrow = self.city_accounts["city_escrow_account_id"]
        self.assertEqual(self._account_balance(escrow, self.ktv), 70.0)
        self.assertEqual(self._account_balance(escrow, self.hotpot), 150.0)
        self.assertTrialBalanceBalances()
        # The hotpot restaurant's own customer is not "new" there; a second KTV visit is not new either.
        self.assertFalse(
            self.env["city.alliance.attribution"].search(
                [("merchant_id", "=", self.hotpot.id), ("order_id", "=", hotpot_order.id)]
            )
        )

    def test_other_company_books_in_its_own_company(self):
        """A coupon used on an order of a second company books in that company only."""
        company_2 = self.env["res.company"].create({"name": "第二商圈公司", "currency_id": self.currency.id})
        issue = self.env["city.coupon.issue"]._city_issue_coupons(
            [
                {
                    "partner_id": self.member.id,
                    "program_id": self.program_ktv.id,
                    "merchant_id": self.ktv.id,
                    "source_merchant_id": self.hotpot.id,
                    "funder_id": self.hotpot.id,
                    "funding": "source",
                    "company_id": company_2.id,
                }
            ]
        )
        lines = issue._city_mark_used(3000, 7000)
        self.assertEqual(set(lines.mapped("company_id")), {company_2})
        self.assertEqual(lines.account_id.company_ids & company_2, company_2)
        move = self.env["city.settlement.allocation"].with_company(company_2)._post_batch(company=company_2)
        self.assertEqual(move.company_id, company_2)
        self.assertEqual(sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit")))
        # Payable: hotpot debited 30, KTV credited 30; clearing: the two sides meet.
        self.assertEqual(sum(move.line_ids.mapped("debit")), 60.0)
        self.assertEqual(
            sum(move.line_ids.filtered(lambda ln: ln.account_id.code == "CITY.COUPON").mapped("balance")), 0.0
        )
