# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Paying an order: city_wechatpay's JSAPI prepay at the fake WeChat Pay server, the
wx.requestPayment parameters signed for the member, then the payment applied: tickets."""

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from odoo.tests import tagged

from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay

from .common import MiniProgramCommon


@tagged("post_install", "-at_install")
class TestPay(MiniProgramCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pay_fake = FakeWechatPay().start()
        cls.addClassCleanup(cls.pay_fake.stop)
        cls.env["ir.config_parameter"].sudo().set_param(const.GATEWAY_PARAM, cls.pay_fake.url)
        cls.env.ref("city_wechatpay.payment_provider_wechatpay").write(
            {
                **cls.pay_fake.provider_vals(),
                "state": "test",
                "is_published": True,
                "company_id": cls.company.id,
                "journal_id": cls.city_bank_journal.id,
            }
        )
        cls.env.ref("payment.payment_method_wechat_pay").active = True

    def test_pay_then_tickets(self):
        token, _refresh, member = self.login("openid-payer")
        template = self.voucher_a.product_tmpl_id
        _status, body, _response = self.call(
            "POST", "/orders", {"items": [{"product_id": template.id}]}, token=token, headers={"Idempotency-Key": "p1"}
        )
        order = self.env["sale.order"].browse(body["result"]["id"])
        stranger = self.login("openid-not-payer")[0]
        self.assertError(self.call("POST", f"/orders/{order.id}/pay", token=stranger), 404, "not_found")
        status, pay, _response = self.call("POST", f"/orders/{order.id}/pay", token=token)
        self.assertEqual(status, 200, pay)
        params = pay["result"]
        sent = self.pay_fake.orders[params["reference"]]
        self.assertEqual(sent["payer"], {"openid": "openid-payer"})
        self.assertEqual(sent["amount"], {"total": 9900, "currency": "CNY"})
        self.assertEqual(params["package"], f"prepay_id={sent['prepay_id']}")
        self.assertEqual((params["appId"], params["signType"]), (self.pay_fake.appid, "RSA"))
        message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
        self.pay_fake.merchant_key.public_key().verify(
            base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        # Asked again: the same payment and prepay.
        again = self.call("POST", f"/orders/{order.id}/pay", token=token)[1]["result"]
        self.assertEqual((again["reference"], again["package"]), (params["reference"], params["package"]))
        # WeChat Pay takes the money; the payment is applied and post-processed: the order is paid.
        tx = self.env["payment.transaction"].search([("reference", "=", params["reference"])])
        self.pay_fake.pay(tx.reference)
        tx._wechatpay_query()
        tx._post_process()
        _status, detail, _response = self.call("GET", f"/orders/{order.id}", token=token)
        self.assertEqual(detail["result"]["state"], "paid")
        self.assertEqual(len(detail["result"]["ticket_ids"]), 1)
        self.assertEqual(self.env["city.ticket"].browse(detail["result"]["ticket_ids"]).partner_id, member)
        self.assertError(self.call("POST", f"/orders/{order.id}/pay", token=token), 409, "already_paid")
