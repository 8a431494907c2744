# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Points as money through city_settlement: funding, reimbursement, expiry, to the cent."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CityLoyaltyCommon


@tagged("post_install", "-at_install")
class TestPointsSettlement(CityLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"city_points_issue_fen": 1.0, "city_points_clearing_fen": 0.9})
        cls.tea_shop = cls.merchant_a
        cls.salon = cls._create_merchant("测试美发C", cls.env.ref("city_base.merchant_category_beauty"), 30.26, 120.15)
        cls.tea = cls._create_merchant_product(cls.tea_shop, 38.5, name="招牌奶茶")
        cls.haircut = cls._create_merchant_product(cls.salon, 88.0, name="洗剪吹")

    def _allocations(self, merchant, role):
        return self.env["city.settlement.allocation"].search([("merchant_id", "=", merchant.id), ("role", "=", role)])

    def test_cross_store_tea_to_salon(self):
        # ¥38.50 × 3 at the tea shop, paid through a real payment transaction.
        order = self._create_order(self.member, [(self.tea, 3)])
        self._pay_order(order)
        self.assertTrue(order.city_paid_date)
        wallet = self._wallet()
        self.assertEqual(wallet.balance, 115)  # 1 point per yuan of ¥115.50
        earn = wallet.ledger_ids.filtered(lambda ln: ln.kind == "earn")
        self.assertEqual((earn.merchant_id, earn.source_ref), (self.tea_shop, f"sale.order,{order.id}"))
        self.assertEqual(earn.value_fen, 115)  # 115 points × 1 fen
        funding = self._allocations(self.tea_shop, "points_issue")
        self.assertEqual(funding.mapped("amount"), [-1.15])
        self.assertEqual(funding.source_ref, f"city.points.booking,{earn.booking_id.id}")
        # A repeated payment notice earns nothing more.
        order._city_check_paid()
        self.assertEqual(wallet.balance, 115)

        # 111 points spent at the hair salon: reimbursed at 0.9 fen a point = ¥0.9990 → ¥1.00.
        result = self.member._city_points_api_spend(111, self.salon.id, "salon-1")
        self.assertEqual(result["balance"], 4)
        spend = self.env["city.points.ledger"].browse(result["ledger_id"])
        self.assertEqual(spend.value_fen, 100)
        reimbursed = self._allocations(self.salon, "points_redeem")
        self.assertEqual(sum(reimbursed.mapped("amount")), 1.00)
        self.assertEqual(reimbursed.source_ref, f"city.points.booking,{spend.booking_id.id}")
        self.assertFalse(self._allocations(self.salon, "points_issue"))
        self.assertFalse(self._allocations(self.tea_shop, "points_redeem"))
        self.assertBooksBalanced(wallet)

    def test_batch_pricing_sums_exactly(self):
        self.company.city_points_issue_fen = 0.3
        members = [self._create_member(f"批量会员{i}") for i in range(7)]
        lines, _rej = self.Wallet._earn_purchases(
            [
                {"partner": m, "merchant": self.tea_shop, "amount_fen": 1000 + i * 7, "source_ref": f"batch:{i}"}
                for i, m in enumerate(members)
            ]
        )
        booking = lines.booking_id
        self.assertEqual(len(booking), 1)
        total_points = sum(lines.mapped("points"))
        self.assertEqual(booking.points, total_points)
        self.assertEqual(sum(lines.mapped("value_fen")), booking.amount_fen)
        self.assertEqual(booking.amount_fen, round(total_points * 0.3))
        funding = self._allocations(self.tea_shop, "points_issue")
        self.assertAlmostEqual(sum(funding.mapped("amount")), -booking.amount_fen / 100, places=2)

    def test_expiry_goes_to_income(self):
        wallet = self._wallet()
        wallet._earn(250, merchant=self.tea_shop, expiry_date=fields.Date.today() - timedelta(days=1))
        self.env["city.points.lot"]._cron_expire()
        self.assertEqual(wallet.balance, 0)
        expired = self._allocations(self.tea_shop, "points_expire")
        self.assertEqual(expired.mapped("amount"), [2.5])

    def test_service_reward_is_a_paid_order(self):
        reward = self.env["city.points.reward"].create(
            {
                "name": "积分换洗剪吹",
                "kind": "service",
                "points_cost": 300,
                "merchant_id": self.salon.id,
                "product_id": self.haircut.id,
            }
        )
        self._wallet()._earn(500, merchant=self.tea_shop)
        result = self.member._city_points_api_redeem(reward.id)
        redemption = self.env["city.points.redemption"].browse(result["redemption_id"])
        order = redemption.sale_order_id
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.city_paid_date, "the order-paid event fired")
        self.assertEqual(order.order_line.product_id, self.haircut)
        self.assertEqual(order.amount_total, 0.0)
        self.assertEqual(self._wallet().balance, 200)  # paid with points: earns nothing
        reimbursed = self._allocations(self.salon, "points_redeem")
        self.assertAlmostEqual(sum(reimbursed.mapped("amount")), 2.70, places=2)  # 300 × 0.9 fen

    def test_journal_entries_show_points(self):
        Allocation = self.env["city.settlement.allocation"]
        Allocation._post_batch()  # whatever the database held before
        liability = self.city_accounts["city_points_account_id"]
        before = self._account_balance(liability)
        self._wallet()._earn(1000, merchant=self.tea_shop)
        self.member._city_points_api_spend(500, self.salon.id, "je-1")
        move = Allocation._post_batch()
        self.assertEqual(move.state, "posted")
        self.assertAlmostEqual(self._account_balance(liability) - before, 10.0 - 4.5, places=2)
        self.assertTrialBalanceBalances()
