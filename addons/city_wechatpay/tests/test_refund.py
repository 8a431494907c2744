# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Refunds: partial and full through _send_refund_request, retries with the same
out_refund_no, refund notices, refunds made on WeChat's platform, booked on escrow."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.common import WechatpayCommon
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay


@tagged("post_install", "-at_install")
class TestRefund(WechatpayCommon, HttpCase):
    def _paid(self):
        order, tx, _values = self._prepaid_tx()
        headers, body = self.fake.notice("TRANSACTION.SUCCESS", self.fake.pay(tx.reference))
        self.assertEqual(self._post_notice(headers, body).status_code, 204)
        self.env.invalidate_all()
        tx._post_process()
        return order, tx

    def _refund_notice(self, refund_tx, **overrides):
        resource = self.fake.refund_resource(refund_tx.wechatpay_out_refund_no, **overrides)
        return self._post_notice(*self.fake.notice("REFUND.SUCCESS", resource))

    def test_partial_then_full_refund_exact_on_escrow(self):
        order, tx = self._paid()
        escrow = order.city_escrow_ids
        refund = tx._send_refund_request(amount_to_refund=20.05)
        self.assertEqual(refund.operation, "refund")
        self.assertEqual(refund.state, "pending")
        self.assertEqual(refund.wechatpay_out_refund_no, refund.reference)
        sent = self.fake.refunds[refund.reference]
        self.assertEqual(sent["amount"]["refund"], 2005)
        self.assertEqual(sent["amount"]["total"], 8880)
        self.assertEqual(self._refund_notice(refund).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(refund.state, "done")
        self.assertTrue(refund.provider_reference)
        refund._post_process()
        self.assertEqual(escrow.amount_refunded, 20.05)
        self.assertEqual(escrow.amount_residual, 68.75)
        # the rest
        refund2 = tx._send_refund_request(amount_to_refund=68.75)
        self.assertEqual(self._refund_notice(refund2).status_code, 204)
        self.env.invalidate_all()
        refund2._post_process()
        self.assertEqual(escrow.amount_refunded, 88.8)
        self.assertEqual(escrow.amount_residual, 0.0)
        # the same refund notice again: nothing more
        self.assertEqual(self._refund_notice(refund2).status_code, 204)
        refund2._post_process()
        self.assertEqual(escrow.amount_refunded, 88.8)
        # more than paid: WeChat refuses, the user sees why, nothing is created
        count = self.env["payment.transaction"].search_count([("source_transaction_id", "=", tx.id)])
        with self.assertRaises(UserError):
            tx._send_refund_request(amount_to_refund=1.0)
        self.assertEqual(self.env["payment.transaction"].search_count([("source_transaction_id", "=", tx.id)]), count)

    def test_refund_after_delivery_reverses_release(self):
        order, tx = self._paid()
        escrow = order.city_escrow_ids
        escrow._release(50.0, escrow)
        refund = tx._send_refund_request(amount_to_refund=60.0)
        self._refund_notice(refund)
        self.env.invalidate_all()
        refund._post_process()
        self.assertEqual(escrow.amount_refunded, 38.8)
        self.assertEqual(escrow.amount_reversed, 21.2)

    def test_unreachable_refund_retried_with_same_number(self):
        _order, tx = self._paid()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(const.GATEWAY_PARAM, "http://127.0.0.1:9")  # nothing listens there
        refund = tx._send_refund_request(amount_to_refund=10.0)
        self.assertEqual(refund.state, "pending")
        self.assertNotIn(refund.reference, self.fake.refunds)
        params.set_param(const.GATEWAY_PARAM, self.fake.url)
        for _attempt in range(2):
            refund._wechatpay_send_refund()
        sent = [no for no, r in self.fake.refunds.items() if r["out_trade_no"] == tx.reference]
        self.assertEqual(sent, [refund.reference], "one refund, same out_refund_no")

    def test_refund_made_on_wechat_platform(self):
        order, tx = self._paid()
        resource = self.fake.platform_refund(tx.reference, 1000)
        resource = self.fake.refund_resource(resource["out_refund_no"])
        self.assertEqual(self._post_notice(*self.fake.notice("REFUND.SUCCESS", resource)).status_code, 204)
        refund = self.env["payment.transaction"].search([("source_transaction_id", "=", tx.id)])
        self.assertEqual((refund.amount, refund.state), (-10.0, "done"))
        self.assertEqual(refund.wechatpay_out_refund_no, resource["out_refund_no"])
        refund._post_process()
        self.assertEqual(order.city_escrow_ids.amount_refunded, 10.0)

    def test_refund_notice_wrong_amount_or_forged_refused(self):
        _order, tx = self._paid()
        refund = tx._send_refund_request(amount_to_refund=5.0)
        resource = self.fake.refund_resource(refund.reference, amount={"refund": 600, "total": 8880})
        self.assertEqual(self._post_notice(*self.fake.notice("REFUND.SUCCESS", resource)).status_code, 400)
        resource = self.fake.refund_resource(refund.reference)
        forged = self.fake.notice("REFUND.SUCCESS", resource, key=FakeWechatPay().wechat_key)
        self.assertEqual(self._post_notice(*forged).status_code, 401)
        self.env.invalidate_all()
        self.assertEqual(refund.state, "pending")
