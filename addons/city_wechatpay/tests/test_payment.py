# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""JSAPI prepay (direct and partner), wx.requestPayment parameters, query, close and the sync cron."""

import base64
from datetime import timedelta
from unittest.mock import patch

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.city_wechatpay.tests.common import WechatpayCommon


@tagged("post_install", "-at_install")
class TestPayment(WechatpayCommon):
    def _assert_pay_sign(self, values, appid):
        message = f"{appid}\n{values['timeStamp']}\n{values['nonceStr']}\n{values['package']}\n"
        self.fake.merchant_key.public_key().verify(
            base64.b64decode(values["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )

    def test_direct_prepay_returns_request_payment_params(self):
        _order, tx, values = self._prepaid_tx()
        sent = self.fake.orders[tx.reference]
        self.assertEqual(sent["appid"], self.fake.appid)
        self.assertEqual(sent["mchid"], self.fake.mchid)
        self.assertEqual(sent["payer"], {"openid": "o-member-openid-0001"})
        self.assertEqual(sent["amount"], {"total": 8880, "currency": "CNY"})
        self.assertTrue(sent["notify_url"].endswith("/payment/wechatpay/webhook"))
        self.assertEqual(values["package"], f"prepay_id={sent['prepay_id']}")
        self.assertEqual(values["signType"], "RSA")
        self.assertEqual(len(values["timeStamp"]), 10)
        self.assertEqual(values["wechatpay_appid"], sent["appid"])
        self._assert_pay_sign(values, sent["appid"])
        self.assertEqual(tx.wechatpay_prepay_id, sent["prepay_id"])
        # asked again while payable: the same prepay, no second call
        calls = len(self.fake.requests)
        self.assertEqual(tx._get_processing_values()["package"], values["package"])
        self.assertEqual(len(self.fake.requests), calls)

    def test_partner_prepay(self):
        self.provider.write({"wechatpay_mode": "partner", "wechatpay_sub_mchid": self.fake.sub_mchid})
        _order, tx, values = self._prepaid_tx()
        sent = self.fake.orders[tx.reference]
        self.assertEqual(self.fake.requests[-1][1], "/v3/pay/partner/transactions/jsapi")
        self.assertEqual(
            (sent["sp_mchid"], sent["sp_appid"], sent["sub_mchid"]),
            (self.fake.mchid, self.fake.appid, self.fake.sub_mchid),
        )
        self.assertEqual(sent["payer"], {"sp_openid": "o-member-openid-0001"})
        self._assert_pay_sign(values, self.fake.appid)
        # with the sub-merchant's own mini-program: paid with sub_openid, signed for sub_appid
        self.provider.wechatpay_sub_appid = self.fake.sub_appid
        _order, tx2, values2 = self._prepaid_tx()
        sent2 = self.fake.orders[tx2.reference]
        self.assertEqual(sent2["sub_appid"], self.fake.sub_appid)
        self.assertEqual(sent2["payer"], {"sub_openid": "o-member-openid-0001"})
        self.assertEqual(values2["wechatpay_appid"], self.fake.sub_appid)
        self._assert_pay_sign(values2, self.fake.sub_appid)
        # the query goes to the partner endpoint with sp_mchid and sub_mchid
        self.fake.pay(tx2.reference)
        tx2._wechatpay_query()
        self.assertEqual(tx2.state, "done")
        self.assertIn(f"sub_mchid={self.fake.sub_mchid}", self.fake.requests[-1][1])

    def test_missing_openid_refused(self):
        order = self._create_order(self.member, self.product)
        tx = self._create_wechat_tx(order, openid=False)
        with self.assertRaises(ValidationError):
            tx._get_processing_values()
        self.assertFalse(self.fake.requests)

    def test_query_applies_payment(self):
        _order, tx, _values = self._prepaid_tx()
        tx._wechatpay_query()
        self.assertEqual(tx.state, "pending")
        resource = self.fake.pay(tx.reference)
        tx._wechatpay_query()
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, resource["transaction_id"])

    def test_query_with_other_amount_refused(self):
        _order, tx, _values = self._prepaid_tx()
        self.fake.pay(tx.reference)
        self.fake.orders[tx.reference]["amount"]["total"] = 1
        with self.assertRaises(ValidationError):
            tx._wechatpay_query()
        self.assertNotEqual(tx.state, "done")

    def test_answer_with_bad_signature_refused(self):
        _order, tx, _values = self._prepaid_tx()
        with (
            patch.object(type(self.fake), "signed_headers", lambda fake, body, **kw: {}),
            self.assertRaises(ValidationError),
        ):
            tx._wechatpay_query()

    def test_cron_queries_and_closes(self):
        _order, paid, _v = self._prepaid_tx()
        _order, unpaid, _v = self._prepaid_tx()
        _order, fresh, _v = self._prepaid_tx()
        self.fake.pay(paid.reference)
        old = fields.Datetime.now() - timedelta(minutes=30)
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = %s WHERE id IN %s", (old, (paid.id, unpaid.id))
        )
        unpaid.wechatpay_expire_at = fields.Datetime.now() - timedelta(minutes=1)
        self.env.invalidate_all()
        self.env["payment.transaction"]._cron_wechatpay_sync()
        self.assertEqual(paid.state, "done")
        self.assertEqual(unpaid.state, "cancel")
        self.assertEqual(self.fake.orders[unpaid.reference]["trade_state"], "CLOSED")
        self.assertEqual(fresh.state, "draft", "a fresh prepay waits for its notice")
