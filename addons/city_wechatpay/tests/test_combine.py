# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cross-merchant orders in service-provider mode: combined payment (合单支付), one
sub-order per merchant mapped to its escrow components, and the fallback of one
payment per merchant when the provider does not offer combined payment."""

from odoo.tests import HttpCase, tagged

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_wechatpay.tests import fake_wechatpay_combine as combine
from odoo.addons.city_wechatpay.tests.common import WechatpayCommon

SUB_A, SUB_B, SUB_C = "1900000801", "1900000802", "1900000803"


@tagged("post_install", "-at_install")
class TestCombinedPayment(WechatpayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        combine.install(cls.fake)
        cls.provider.write({"wechatpay_mode": "partner", "wechatpay_sub_mchid": cls.fake.sub_mchid})
        cls.merchant_c = cls._create_merchant("测试书店C", cls.category_tea, 30.2590, 120.1480)
        for merchant, sub in ((cls.merchant_a, SUB_A), (cls.merchant_b, SUB_B), (cls.merchant_c, SUB_C)):
            merchant.wechatpay_sub_mchid = sub
        template = cls.env["product.template"].create(
            {"name": "三店套餐", "type": "service", "list_price": 199.0, "taxes_id": False, "invoice_policy": "order"}
        )
        cls.env["city.split.rule"]._sync_combo_rule(
            template,
            [
                {"merchant_id": cls.merchant_a.id, "weight": 1, "component_key": "tea"},
                {"merchant_id": cls.merchant_b.id, "weight": 1, "component_key": "gym"},
                {"merchant_id": cls.merchant_c.id, "weight": 1, "component_key": "book"},
            ],
        )
        cls.combo = template.product_variant_id

    def _parts(self, combined=True):
        self.provider.wechatpay_combine = combined
        order = self._create_order(self.member, self.combo)
        txs = self.env["payment.transaction"]._wechatpay_create_parts(order, "o-member-openid-0001", self.provider)
        return order, txs

    def test_combined_payment_end_to_end(self):
        order, txs = self._parts()
        # 199.00 over three equal weights: 66.34 + 66.33 + 66.33, largest remainder first
        self.assertEqual(
            [(tx.wechatpay_merchant_id, to_fen(tx.amount)) for tx in txs],
            [(self.merchant_a, 6634), (self.merchant_b, 6633), (self.merchant_c, 6633)],
        )
        self.assertEqual(len(set(txs.mapped("wechatpay_combine_ref"))), 1)
        (values,) = order._wechatpay_pay_parts(self.provider, "o-member-openid-0001")  # one confirmation
        self.assertEqual((values["reference"], values["appId"]), (txs[0].reference, self.fake.appid))
        self.assertEqual(txs[0]._wechatpay_parts(), txs)
        ref = txs[0].wechatpay_combine_ref
        sent = self.fake.combines[ref]
        self.assertEqual(
            [
                (s["sub_mchid"], s["amount"]["total_amount"], s["settle_info"]["profit_sharing"])
                for s in sent["sub_orders"]
            ],
            [(SUB_A, 6634, True), (SUB_B, 6633, True), (SUB_C, 6633, True)],
        )
        self.assertEqual(values["package"], f"prepay_id={sent['prepay_id']}")
        self.assertEqual(set(txs.mapped("wechatpay_prepay_id")), {sent["prepay_id"]})
        self.assertEqual(txs.mapped("wechatpay_sub_mchid"), [SUB_A, SUB_B, SUB_C])
        # the same parts again while unpaid: the same payments and prepay
        again = self.env["payment.transaction"]._wechatpay_create_parts(order, "o-member-openid-0001", self.provider)
        self.assertEqual(again, txs)
        self.assertEqual(again[1]._get_processing_values()["package"], values["package"])
        self.assertEqual([r for r in self.fake.combines if r.startswith(order.name)], [ref])

        resource = combine.pay_combine(self.fake, ref)
        # a sub-order of another amount, another sub-merchant, a missing one: refused, nothing written
        for label, wrong in {
            "amount": lambda r: r["sub_orders"][0]["amount"].update(total_amount=6633),
            "sub-merchant": lambda r: r["sub_orders"][1].update(sub_mchid=SUB_A),
            "missing sub-order": lambda r: r["sub_orders"].pop(),
            "other combine merchant": lambda r: r.update(combine_mchid="1900000222"),
        }.items():
            with self.subTest(label):
                forged = {**resource, "sub_orders": [dict(s, amount=dict(s["amount"])) for s in resource["sub_orders"]]}
                wrong(forged)
                response = self._post_notice(*self.fake.notice("TRANSACTION.SUCCESS", forged))
                self.assertEqual(response.status_code, 400, response.text)
                self.env.invalidate_all()
                self.assertEqual(set(txs.mapped("state")), {"draft"})
        headers, body = self.fake.notice("TRANSACTION.SUCCESS", resource, notice_id="combine-notice-1")
        self.assertEqual(self._post_notice(headers, body).status_code, 204)
        self.assertEqual(self._post_notice(headers, body).status_code, 204)  # applied once
        self.env.invalidate_all()
        self.assertEqual(set(txs.mapped("state")), {"done"})
        self.assertEqual(txs.mapped("provider_reference"), [s["transaction_id"] for s in resource["sub_orders"]])
        notices = self.env["city.wechatpay.notice"].sudo().search([("notice_id", "=", "combine-notice-1")])
        self.assertEqual((len(notices), notices.state), (1, "done"))
        txs._post_process()
        self.assertTrue(order.city_paid_date)
        escrows = order.city_escrow_ids
        self.assertEqual(
            sorted(
                (e.component_key, e.wechatpay_tx_id.wechatpay_merchant_id.id, to_fen(e.amount_paid)) for e in escrows
            ),
            sorted(
                [
                    ("tea", self.merchant_a.id, 6634),
                    ("gym", self.merchant_b.id, 6633),
                    ("book", self.merchant_c.id, 6633),
                ]
            ),
        )
        # a query gives the same, changes nothing
        self.assertEqual(txs[2]._wechatpay_query()["trade_state"], "SUCCESS")
        self.assertEqual(set(txs.mapped("state")), {"done"})
        # a ticket of B and one of C refunded by their policy (the escrow booked first, as city_ticketing
        # does): each part refunds its own share, through its own sub-merchant; the same key again: the same
        by_key = {e.component_key: e for e in escrows}
        by_key["gym"]._refund(66.33, "test.ticket,1", "随时退")
        by_key["book"]._refund(10.0, "test.ticket,2", "随时退")
        refunds = order._city_refund_to_channel(76.33, "T1")
        self.assertEqual(order._city_refund_to_channel(76.33, "T1"), refunds)
        self.assertEqual(
            [
                (
                    self.fake.refunds[r.wechatpay_out_refund_no]["sub_mchid"],
                    self.fake.refunds[r.wechatpay_out_refund_no]["out_trade_no"],
                    -r.amount,
                )
                for r in refunds
            ],
            [(SUB_B, txs[1].reference, 66.33), (SUB_C, txs[2].reference, 10.0)],
        )

    def test_combined_payment_closed_when_unpaid(self):
        _order, txs = self._parts()
        txs[0]._get_processing_values()
        txs[0]._wechatpay_close()
        self.assertEqual(set(txs.mapped("state")), {"cancel"})
        combine_ref = txs[0].wechatpay_combine_ref
        self.assertEqual({self.fake.orders[tx.reference]["trade_state"] for tx in txs}, {"CLOSED"})
        self.assertIn(
            ("POST", f"/v3/combine-transactions/out-trade-no/{combine_ref}/close"),
            [(m, p) for m, p, _b in self.fake.requests],
        )

    def test_separate_payments_without_combined_payment(self):
        """The fallback: one payment per merchant, each into its sub-merchant account."""
        order, txs = self._parts(combined=False)
        values = order._wechatpay_pay_parts(self.provider, "o-member-openid-0001")
        self.assertEqual([v["reference"] for v in values], txs.mapped("reference"))
        self.assertEqual(len({v["package"] for v in values}), 3, "one confirmation per merchant")
        self.assertNotIn(txs[0].wechatpay_combine_ref, self.fake.combines)
        self.assertEqual([self.fake.orders[tx.reference]["sub_mchid"] for tx in txs], [SUB_A, SUB_B, SUB_C])
        for tx in txs[:2]:
            self.assertEqual(
                self._post_notice(*self.fake.notice("TRANSACTION.SUCCESS", self.fake.pay(tx.reference))).status_code,
                204,
            )
        self.env.invalidate_all()
        txs._post_process()
        self.assertFalse(order.city_paid_date, "paid only when every merchant's part is")
        # the member gives up: the third part is closed at expiry, the paid parts are refunded in full
        txs[2]._wechatpay_close()
        refunds = self.env["payment.transaction"].search([("source_transaction_id", "in", txs.ids)])
        self.assertEqual(sorted(to_fen(-r.amount) for r in refunds), [6633, 6634])
        self.assertFalse(order.city_escrow_ids)
