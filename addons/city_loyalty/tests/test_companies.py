# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two operators in one database: the points money of one never lands in the other's books.

Every points money path (earn, spend, expire, reward redemption) runs for a
wallet of the second company while the current company is the first one, as a
cron or an API call would; the allocations and the journal entries are the
second company's, on its own accounts, and the first company's books do not move.
"""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CityLoyaltyCommon


@tagged("post_install", "-at_install")
class TestPointsCompanies(CityLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "第二运营方", "currency_id": cls.company.currency_id.id})
        cls.company_b.write(
            {
                "city_points_issue_fen": 2.0,
                "city_points_clearing_fen": 1.5,
                "city_points_validity_days": 365,
                "city_points_velocity_max": 1000,
            }
        )
        cls.accounts_b = cls.company_b._city_get_accounts()
        cls.Rule.create(
            {
                "name": "B 每元1分",
                "event": "purchase",
                "points_per_yuan": 1.0,
                "merchant_id": False,
                "company_id": cls.company_b.id,
            }
        )
        cls.salon = cls._create_merchant("测试美发B", cls.env.ref("city_base.merchant_category_beauty"), 30.26, 120.15)
        cls.program_b = cls.env["loyalty.program"].create(
            {"name": "B 10元券", "program_type": "coupons", "company_id": cls.company_b.id}
        )
        cls.coupon_b = cls.env["city.points.reward"].create(
            {
                "name": "B 代金券",
                "kind": "coupon",
                "points_cost": 100,
                "loyalty_program_id": cls.program_b.id,
                "merchant_id": cls.salon.id,
                "company_id": cls.company_b.id,
            }
        )
        cls.Allocation = cls.env["city.settlement.allocation"]
        while cls.Allocation._post_batch(company=cls.company_b):
            pass

    def _points_lines(self, company):
        return self.Allocation.search([("movement", "=", "points"), ("company_id", "=", company.id)])

    def test_points_booking_on_the_statement(self):
        """A statement line of points money says what it is, not a technical reference."""
        lines, _rejections = self.Wallet._earn_purchases(
            [{"partner": self.member, "merchant": self.merchant_a, "amount_fen": 12300, "source_ref": "b:order:label"}],
            self.company_b,
        )
        booking = lines.booking_id
        allocations = self.Allocation.search([("source_ref", "=", f"city.points.booking,{booking.id}")])
        self.assertTrue(allocations)
        for label in allocations.mapped("source_label"):
            self.assertIn("123", label)
            self.assertIn(self.member.name, label)
            self.assertNotIn("city.points.booking", label)

    def test_points_money_in_the_wallets_company(self):
        self.assertEqual(self.env.company, self.company)  # every call below runs in the first company
        liability_a = self.city_accounts["city_points_account_id"]
        before_a = self._account_balance(liability_a)
        lines_a_before = self._points_lines(self.company)

        # Earn: ¥250 at the tea shop in company B, 250 points at 2 fen = ¥5.00 funded by the tea shop.
        lines, rejections = self.Wallet._earn_purchases(
            [{"partner": self.member, "merchant": self.merchant_a, "amount_fen": 25000, "source_ref": "b:order:1"}],
            self.company_b,
        )
        self.assertFalse(rejections)
        wallet = lines.wallet_id
        self.assertEqual(wallet.company_id, self.company_b)
        self.assertEqual(wallet.balance, 250)
        self.assertEqual(lines.booking_id.company_id, self.company_b)
        # Spend 100 at the salon: reimbursed at 1.5 fen = ¥1.50.
        wallet._spend(100, merchant=self.salon, note="B 抵扣")
        # Expire: 40 points of the tea shop, yesterday; the cron runs in the first company.
        wallet._earn(40, merchant=self.merchant_a, expiry_date=fields.Date.today() - timedelta(days=1))
        self.env["city.points.lot"]._cron_expire()
        self.assertEqual(wallet.balance, 150)
        # Reward redemption of company B's coupon, accepted by the salon: 100 × 1.5 fen = ¥1.50.
        redemption = self.env["city.points.redemption"]._redeem(self.member, self.coupon_b, self.company_b)
        self.assertEqual(redemption.company_id, self.company_b)
        self.assertEqual(wallet.balance, 50)

        allocations = self._points_lines(self.company_b).filtered(lambda a: not a.move_id)
        by_role = {}
        for allocation in allocations:
            by_role.setdefault((allocation.role, allocation.merchant_id), []).append(allocation.amount)
        self.assertEqual(
            {key: round(sum(amounts), 2) for key, amounts in by_role.items()},
            {
                ("points_issue", self.merchant_a): -5.80,  # 250 + 40 points at 2 fen
                ("points_redeem", self.salon): 3.00,  # two spends of 100 at 1.5 fen
                ("points_expire", self.merchant_a): 0.80,  # 40 points at 2 fen
            },
        )
        account_ids_b = {a.id for a in self.accounts_b.values() if a._name == "account.account"}
        self.assertTrue(all(a.account_id.id in account_ids_b for a in allocations))
        self.assertTrue(all(a.contra_account_id == self.accounts_b["city_points_account_id"] for a in allocations))
        self.assertEqual(self._points_lines(self.company), lines_a_before, "nothing booked in the first company")

        # The journal entry is the second company's, in its journal, on its accounts.
        self.assertFalse(self.Allocation._post_batch(company=self.company).line_ids & allocations.move_line_id)
        move = self.Allocation._post_batch(company=self.company_b)
        self.assertEqual(move.company_id, self.company_b)
        self.assertEqual(move.journal_id, self.accounts_b["city_settlement_journal_id"])
        self.assertEqual(move.state, "posted")
        self.assertTrue(all(line.account_id.id in account_ids_b for line in move.line_ids))
        liability_b = self.accounts_b["city_points_account_id"]
        items_b = move.line_ids.filtered(lambda item: item.account_id == liability_b)
        # Liability of company B: 5.80 issued − 3.00 reimbursed − 0.80 expired = 2.00 still owed in points.
        self.assertAlmostEqual(sum(items_b.mapped("credit")) - sum(items_b.mapped("debit")), 2.00, places=2)
        self.assertAlmostEqual(self._account_balance(liability_a), before_a, places=2)
        # The points lines joined company B's evidence chain when they were posted.
        allocations.invalidate_recordset()
        self.assertTrue(all(allocations.mapped("chain_sequence")))
        self.assertTrue(self.Allocation._verify_hash_chain()["ok"])

    def test_take_back_reverses_the_issue(self):
        """Earned points taken back (a refund) give the funding back: pro rata, once, to the fen."""
        self.company_b.city_points_issue_fen = 0.7
        liability_b, payable_b = (
            self.accounts_b["city_points_account_id"],
            self.accounts_b["city_merchant_payable_account_id"],
        )
        lines_a_before = self._points_lines(self.company)
        lines, _rejections = self.Wallet._earn_purchases(
            [{"partner": self.member, "merchant": self.merchant_a, "amount_fen": 12300, "source_ref": "b:order:back"}],
            self.company_b,
        )
        wallet = lines.wallet_id
        self.assertEqual((lines.points, lines.value_fen), (123, 86))  # 123 × 0.7 fen = 86.1 → 86 fen
        # 50 of 123 points back: 86 × 50 / 123 = 34.96 → 35 fen; repeated: booked once.
        first = wallet._take_back_points(lines, 50, "back:1", note="退款")
        self.assertEqual(wallet._take_back_points(lines, 50, "back:1"), first)
        self.assertEqual(
            (first.kind, first.points, first.value_fen, first.merchant_id), ("adjust", -50, 35, self.merchant_a)
        )
        revoke = first.booking_id
        self.assertEqual((revoke.kind, revoke.company_id, revoke.rate_fen), ("revoke", self.company_b, 0.7))
        allocation = self.Allocation.search([("source_ref", "=", f"city.points.booking,{revoke.id}")])
        self.assertEqual(
            (allocation.role, allocation.amount, allocation.company_id), ("points_revoke", 0.35, self.company_b)
        )
        self.assertIn("50", allocation.source_label)
        self.assertIn(self.member.name, allocation.source_label)
        # Then 50 more (cumulated 100: 69.9 → 70 fen, so 35) and the rest (16 fen): 86 in all.
        second = wallet._take_back_points(lines, 50, "back:2")
        rest = wallet._take_back_points(lines, 23, "back:3")
        self.assertEqual((second.value_fen, rest.value_fen), (35, 16))
        with self.assertRaises(UserError):
            wallet._take_back_points(lines, 1, "back:4")
        self.assertEqual(wallet.balance, 0)
        self.assertBooksBalanced(wallet)
        # The merchant's statement shows the take-backs: its points movements net to zero.
        statement = self.env["city.settlement"]._run_settlements(
            today=fields.Date.today() + timedelta(days=2),
            merchants=self.merchant_a,
            company=self.company_b,
            raise_errors=True,
        )
        self.assertEqual(statement.allocation_ids.mapped("role").count("points_revoke"), 3)
        self.assertEqual(statement.amount_points, 0.0)
        self.assertEqual(self._account_balance(liability_b), 0.0)
        self.assertEqual(self._account_balance(payable_b, self.merchant_a), 0.0)
        self.assertEqual(self._points_lines(self.company), lines_a_before, "nothing booked in the first company")
