# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CityLoyaltyCommon


@tagged("post_install", "-at_install")
class TestPointsMall(CityLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.program"].create({"name": "10元券", "program_type": "coupons"})
        cls.coupon = cls.env["city.points.reward"].create(
            {
                "name": "10元代金券",
                "kind": "coupon",
                "points_cost": 100,
                "loyalty_program_id": cls.program.id,
                "merchant_id": cls.merchant_a.id,
                "quantity_limited": True,
                "quantity_available": 2,
                "per_member_limit": 1,
            }
        )
        cls.gift_product = cls.env["product.product"].create({"name": "帆布袋", "type": "consu", "is_storable": True})
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.gift_product, warehouse.lot_stock_id, 5)
        cls.gift = cls.env["city.points.reward"].create(
            {"name": "商圈帆布袋", "kind": "gift", "points_cost": 300, "product_id": cls.gift_product.id}
        )
        for partner in (cls.member, cls.member_b):
            cls.Wallet._get_wallets(partner)._earn(1000)

    def test_coupon_reward_limits(self):
        result = self.member._city_points_api_redeem(self.coupon.id)
        self.assertTrue(result["ok"])
        self.assertEqual(result["balance"], 900)
        redemption = self.env["city.points.redemption"].browse(result["redemption_id"])
        card = redemption.loyalty_card_id
        self.assertEqual((card.program_id, card.partner_id, card.points), (self.program, self.member, 1.0))
        self.assertEqual(result["coupon_code"], card.code)
        self.assertEqual(redemption.ledger_id.merchant_id, self.merchant_a)
        self.assertEqual(self.coupon.quantity_available, 1)
        with self.assertRaises(UserError):  # one per member
            self.member._city_points_api_redeem(self.coupon.id)
        self.member_b._city_points_api_redeem(self.coupon.id)
        third = self._create_member("第三位")
        self.Wallet._get_wallets(third)._earn(500)
        with self.assertRaises(UserError):  # out of stock
            third._city_points_api_redeem(self.coupon.id)
        self.assertEqual(self._wallet(third).balance, 500)
        self.assertNotIn(self.coupon.id, [r["id"] for r in self.member._city_points_api_rewards()])
        self.assertBooksBalanced()

    def test_gift_reward_ships_from_stock(self):
        result = self.member._city_points_api_redeem(self.gift.id)
        redemption = self.env["city.points.redemption"].browse(result["redemption_id"])
        picking = redemption.picking_id
        self.assertEqual(picking.partner_id, self.member)
        self.assertEqual(picking.move_ids.product_id, self.gift_product)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(self._wallet().balance, 700)
        self.assertFalse(redemption.ledger_id.merchant_id)

    def test_not_enough_points(self):
        poor = self._create_member("积分不足")
        with self.assertRaises(UserError):
            poor._city_points_api_redeem(self.gift.id)
        self.assertFalse(self.env["city.points.redemption"].search([("partner_id", "=", poor.id)]))

    def test_member_api(self):
        self.member._city_points_api_sign_in()
        summary = self.member._city_points_api_summary()
        self.assertEqual(summary["balance"], 1005)
        page = self.member._city_points_api_ledger(offset=0, limit=1)
        self.assertEqual(page["total"], 2)
        self.assertEqual(page["items"][0]["points"], 5)
        first = self.member._city_points_api_spend(30, self.merchant_b.id, "pos-1")
        again = self.member._city_points_api_spend(30, self.merchant_b.id, "pos-1")
        self.assertEqual(first, again)
        self.assertEqual(self._wallet().balance, 975)
        with self.assertRaises(UserError):
            self.member._city_points_api_spend(5000, self.merchant_b.id, "pos-2")

    def test_merchant_sees_only_its_points(self):
        line_a = self._wallet()._spend(10, merchant=self.merchant_a)
        line_b = self._wallet()._spend(10, merchant=self.merchant_b)
        self.assertMerchantIsolation(line_a, line_b)
        Ledger = self.env["city.points.ledger"].with_user(self.manager_a)
        self.assertEqual(Ledger.search([("partner_id", "=", self.member.id)]), line_a)
        with self.assertRaises(AccessError):
            self.Wallet.with_user(self.manager_a).search([])
        self.assertTrue(self.Wallet.with_user(self.operator).search([("partner_id", "=", self.member.id)]))

    def test_analytics(self):
        wallet = self._wallet()
        wallet._earn(200, merchant=self.merchant_a)
        wallet._spend(50, merchant=self.merchant_b)
        Report = self.env["city.points.report"]
        groups = Report.read_group(
            [("partner_id", "=", self.member.id)], ["issued_points:sum", "redeemed_points:sum", "redemption_rate"], []
        )
        self.assertEqual(groups[0]["issued_points"], 1200)
        self.assertEqual(groups[0]["redeemed_points"], 50)
        self.assertAlmostEqual(groups[0]["redemption_rate"], round(100 * 50 / 1200, 2))
        by_merchant = Report.with_user(self.manager_b).read_group([], ["redeemed_points:sum"], ["merchant_id"])
        self.assertEqual([g["merchant_id"][0] for g in by_merchant], [self.merchant_b.id])
