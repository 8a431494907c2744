# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The public contract: order paid event, escrow movements, points, combos, batch posting."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CitySettlementCommon


@tagged("post_install", "-at_install")
class TestCore(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_a = cls._create_merchant_product(cls.merchant_a, 100.0, name="A 双人套餐")
        cls.product_b = cls._create_merchant_product(cls.merchant_b, 59.9, name="B 单次健身")
        cls.rule = cls.env["city.split.rule"].create(
            {
                "name": "A 标准分账",
                "mode": "ratio",
                "merchant_id": cls.merchant_a.id,
                "merchant_percent": 90.0,
                "channel_fee_percent": 0.6,
            }
        )

    def test_pay_order_takes_escrow_once(self):
        order = self._create_order(self.member, [self.product_a, (self.product_b, 2)])
        tx = self._pay_order(order)
        self.assertTrue(order.city_paid_date)
        escrows = order.city_escrow_ids
        self.assertEqual(len(escrows), 2)
        self.assertEqual(escrows.order_line_id, order.order_line)
        by_merchant = {e.merchant_id: e for e in escrows}
        self.assertEqual(by_merchant[self.merchant_a].amount_paid, 100.0)
        self.assertEqual(by_merchant[self.merchant_b].amount_paid, 119.8)
        self.assertEqual(escrows.mapped("state"), ["held", "held"])
        self.assertEqual(order.order_line[0].city_escrow_ids.merchant_id, self.merchant_a)
        self.assertEqual(order.city_escrow_move_id.state, "posted")
        self.assertEqual(self._account_balance(self.city_accounts["city_escrow_account_id"]), 219.8)
        # The escrow entry settles the member's receivable left open by the payment.
        receivable = self.member.property_account_receivable_id
        self.assertEqual(self._account_balance(receivable, self.member), 0.0)
        # A repeated notice (post-processing again, or the trigger itself) is a no-op.
        tx._post_process()
        self.assertFalse(order._city_mark_paid())
        self.assertEqual(order.city_escrow_ids, escrows)
        self.assertTrialBalanceBalances()

    def test_partial_payment_is_not_paid(self):
        order = self._create_order(self.member, [self.product_a])
        self._pay_order(order, amount=40.0)
        self.assertFalse(order.city_paid_date)
        self.assertFalse(order.city_escrow_ids)
        self._pay_order(order, amount=60.0)
        self.assertTrue(order.city_paid_date)
        self.assertEqual(order.city_escrow_ids.amount_paid, 100.0)

    def test_registered_invoice_payment(self):
        order = self._create_order(self.member, [self.product_a])
        income = self.product_a.product_tmpl_id._get_product_accounts()["income"]
        income_before = self._account_balance(income)
        invoice = self._register_payment(order)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(order.city_paid_date)
        self.assertEqual(order.city_escrow_ids.amount_paid, 100.0)
        self.assertEqual(self._account_balance(self.city_accounts["city_escrow_account_id"]), 100.0)
        # The income the invoice booked moved to escrow.
        self.assertEqual(invoice.invoice_line_ids.account_id, income)
        self.assertEqual(self._account_balance(income), income_before)
        self.assertTrialBalanceBalances()

    def test_release_refund_forfeit(self):
        order = self._create_paid_order(self.member, [(self.product_a, 3)])
        escrow = order.city_escrow_ids
        self.assertEqual(escrow.amount_paid, 300.0)
        lines = escrow._release(100.0, "city.test,1")
        self.assertEqual(round(sum(lines.mapped("amount")), 2), 100.0)
        by_role = {a.role: a for a in lines}
        self.assertEqual(by_role["merchant"].amount, 89.4)
        self.assertEqual(by_role["platform_fee"].amount, 10.0)
        self.assertEqual(by_role["channel_fee"].amount, 0.6)
        self.assertEqual(by_role["merchant"].beneficiary_id, self.merchant_a)
        self.assertEqual(lines.rule_id, self.rule)
        self.assertEqual(set(lines.mapped("rule_version")), {1})
        self.assertEqual(set(lines.mapped("source_ref")), {"city.test,1"})
        # Idempotent per source.
        self.assertEqual(escrow._release(100.0, "city.test,1"), lines)
        self.assertEqual(escrow.amount_released, 100.0)
        self.assertEqual(escrow.state, "partial")
        refund = escrow._refund(50.0, self.member, "顾客申请退款")
        self.assertEqual(refund.role, "refund")
        self.assertEqual(refund.beneficiary_id, self.member)
        self.assertEqual(escrow._refund(50.0, self.member, "again"), refund)
        with self.assertRaises(UserError):
            escrow._release(150.01, "city.test,2")
        with self.assertRaises(UserError):
            escrow._release(0, "city.test,3")
        forfeit = escrow._forfeit(150.0, "city.test,4")
        self.assertEqual(round(sum(forfeit.mapped("amount")), 2), 150.0)
        self.assertEqual(escrow.amount_residual, 0.0)
        self.assertEqual(escrow.state, "done")
        with self.assertRaises(UserError):
            lines[0].write({"amount": 1.0})

    def test_batch_posting_one_entry(self):
        orders = [self._create_paid_order(self.member, [self.product_a, self.product_b]) for _i in range(3)]
        for i, order in enumerate(orders):
            for escrow in order.city_escrow_ids:
                escrow._release(escrow.amount_residual, f"city.test,{i}")
        Allocation = self.env["city.settlement.allocation"]
        move = Allocation._post_batch()
        self.assertEqual(len(move), 1)
        self.assertEqual(move.state, "posted")
        allocations = Allocation.search([("order_id", "in", [o.id for o in orders])])
        self.assertEqual(allocations.move_id, move)
        self.assertTrue(all(a.move_line_id for a in allocations))
        self.assertEqual(self._account_balance(self.city_accounts["city_escrow_account_id"]), 0.0)
        payable = self.city_accounts["city_merchant_payable_account_id"]
        self.assertEqual(self._account_balance(payable, self.merchant_a), 268.2)
        self.assertEqual(self._account_balance(payable, self.merchant_b), 179.7)
        self.assertEqual(self._account_balance(self.city_accounts["city_platform_income_account_id"]), 30.0)
        merchant_item = move.line_ids.filtered(lambda ln: ln.account_id == payable and ln.partner_id == self.merchant_a)
        self.assertEqual(merchant_item.city_merchant_id, self.merchant_a)
        self.assertEqual(len(merchant_item.city_allocation_ids), 3)
        self.assertFalse(Allocation._post_batch(), "nothing is posted twice")
        self.assertTrialBalanceBalances()

    def test_combo_rule_and_escrow(self):
        combo = self.env["product.template"].create({"name": "三店套餐", "list_price": 100.0, "taxes_id": False})
        components = [
            {"merchant_id": self.merchant_a.id, "weight": 1, "component_key": "a"},
            {"merchant_id": self.merchant_b.id, "weight": 2, "component_key": "b"},
        ]
        rule = self.env["city.split.rule"]._sync_combo_rule(combo, components)
        self.assertEqual(rule.mode, "combo")
        self.assertEqual(self.env["city.split.rule"]._sync_combo_rule(combo, components), rule, "unchanged: same")
        order = self._create_paid_order(self.member, [combo.product_variant_id])
        escrows = order.city_escrow_ids.sorted("component_key")
        self.assertEqual(escrows.mapped("component_key"), ["a", "b"])
        self.assertEqual(escrows.mapped("amount_paid"), [33.33, 66.67])
        self.assertEqual(escrows.mapped("merchant_id"), self.merchant_a | self.merchant_b)
        components[1]["weight"] = 3
        rule2 = self.env["city.split.rule"]._sync_combo_rule(combo, components)
        self.assertNotEqual(rule2, rule)
        self.assertEqual(rule2.version, 2)
        self.assertEqual(rule2.rule_key, rule.rule_key)
        self.assertTrue(rule.valid_to)
        with self.assertRaises(ValidationError):
            self.env["city.split.rule"]._sync_combo_rule(combo, [])

    def test_book_points(self):
        Allocation = self.env["city.settlement.allocation"]
        issue = Allocation._book_points(self.merchant_a, 10.0, "issue", "city.test.points,1", member=self.member)
        self.assertEqual(issue.amount, -10.0)
        self.assertEqual(Allocation._book_points(self.merchant_a, 10.0, "issue", "city.test.points,1"), issue)
        redeem = Allocation._book_points(self.merchant_b, 4.0, "redeem", "city.test.points,2")
        self.assertEqual(redeem.amount, 4.0)
        expire = Allocation._book_points(self.merchant_a, 2.0, "expire", "city.test.points,3")
        self.assertEqual(expire.role, "points_expire")
        # Points taken back: their funding goes back to the merchant (an issue reversed).
        revoke = Allocation._book_points(self.merchant_a, 4.0, "revoke", "city.test.points,5")
        self.assertEqual((revoke.role, revoke.amount, revoke.beneficiary_id), ("points_revoke", 4.0, self.merchant_a))
        self.assertEqual(Allocation._book_points(self.merchant_a, 4.0, "revoke", "city.test.points,5"), revoke)
        Allocation._post_batch()
        self.assertEqual(self._account_balance(self.city_accounts["city_points_account_id"]), 0.0)
        payable = self.city_accounts["city_merchant_payable_account_id"]
        self.assertEqual(self._account_balance(payable, self.merchant_a), -6.0)
        self.assertEqual(self._account_balance(payable, self.merchant_b), 4.0)
        with self.assertRaises(UserError):
            Allocation._book_points(self.merchant_a, -1.0, "issue", "city.test.points,4")

    def test_referrer_commissions(self):
        grand = self.env["res.partner"].create({"name": "推荐人上级", "is_member": True})
        referrer = self.env["res.partner"].create({"name": "推荐人", "is_member": True, "city_referrer_id": grand.id})
        member = self.env["res.partner"].create({"name": "新会员", "is_member": True, "city_referrer_id": referrer.id})
        self.rule.write({"commission_l1_percent": 5.0, "commission_l2_percent": 2.0})
        order = self._create_paid_order(member, [self.product_a])
        lines = order.city_escrow_ids._release(100.0, "city.test,9")
        commissions = lines.filtered(lambda a: a.role == "commission")
        self.assertEqual({(a.beneficiary_id, a.amount) for a in commissions}, {(referrer, 5.0), (grand, 2.0)})
        self.assertEqual(lines.filtered(lambda a: a.role == "merchant").amount, 82.4)
        with self.assertRaises(ValidationError):
            grand.city_referrer_id = member

    def test_release_many(self):
        orders = [self._create_paid_order(self.member, [(self.product_a, 2), self.product_b]) for _i in range(2)]
        escrows = orders[0].city_escrow_ids | orders[1].city_escrow_ids
        items = [
            (e, e.amount_paid / 2 if e.merchant_id == self.merchant_a else e.amount_paid, f"t,{e.id}") for e in escrows
        ]
        lines = self.env["city.escrow"]._release_many(items)
        self.assertEqual(round(sum(lines.mapped("amount")), 2), 2 * (100.0 + 59.9))
        self.assertEqual(self.env["city.escrow"]._release_many(items), lines, "idempotent per source")
        escrow_a = escrows.filtered(lambda e: e.merchant_id == self.merchant_a)[0]
        self.assertEqual(escrow_a.amount_residual, 100.0)
        # Same cents as one by one.
        single = escrow_a._release(100.0, "t,single")
        self.assertEqual(
            sorted((a.role, a.amount) for a in single),
            sorted((a.role, a.amount) for a in lines.filtered(lambda a: a.escrow_id == escrow_a)),
        )
        with self.assertRaises(UserError):
            self.env["city.escrow"]._release_many([(escrow_a, 0.01, "t,over")])
