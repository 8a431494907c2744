# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Paying an order: city_wechatpay's JSAPI prepay at the fake WeChat Pay server, the
wx.requestPayment parameters signed for the member, then the payment applied: tickets.
In service-provider mode a two-shop combo is paid as one combined payment (合单支付), or,
without it, one payment per shop confirmed in a row."""

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from odoo import Command
from odoo.tests import tagged

from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests import fake_wechatpay_combine as combine
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay

from .common import MiniProgramCommon

SUB_A, SUB_B = "1900000801", "1900000802"


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
        combine.install(cls.pay_fake)
        components = [
            Command.create({"name": f"{merchant.name} 套餐", "merchant_id": merchant.id, "weight": 1})
            for merchant in (cls.merchant_a, cls.merchant_b)
        ]
        cls.combo = cls._create_ticket_product(
            cls.merchant_a, 199.0, name="双店联票", city_is_combo=True, city_component_ids=components
        ).product_tmpl_id

    def _partner_combo_order(self, combined, openid):
        """Service-provider mode (the shops are sub-merchants), a member's unpaid combo order."""
        self.env.ref("city_wechatpay.payment_provider_wechatpay").write(
            {**self.pay_fake.provider_vals("partner"), "wechatpay_combine": combined}
        )
        self.merchant_a.wechatpay_sub_mchid, self.merchant_b.wechatpay_sub_mchid = SUB_A, SUB_B
        token, _refresh, member = self.login(openid)
        item = {"product_id": self.combo.id}
        body = self.call("POST", "/orders", {"items": [item]}, token=token, headers={"Idempotency-Key": openid})[1]
        return token, member, self.env["sale.order"].browse(body["result"]["id"])

    def _notify(self, order, resource):
        """WeChat Pay's notice of ``resource`` through the webhook, then the order's payments post-processed."""
        headers, body = self.pay_fake.notice("TRANSACTION.SUCCESS", resource)
        self.assertEqual(self.url_open(const.WEBHOOK_URL, data=body.encode(), headers=headers).status_code, 204)
        self.env.invalidate_all()
        order.transaction_ids.filtered(lambda tx: tx.state == "done")._post_process()

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
        self.assertEqual(params["parts"], [])
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
        # paid, not applied yet: never a second payment
        self.assertError(self.call("POST", f"/orders/{order.id}/pay", token=token), 409, "payment_confirming")
        tx._post_process()
        _status, detail, _response = self.call("GET", f"/orders/{order.id}", token=token)
        self.assertEqual(detail["result"]["state"], "paid")
        self.assertEqual(len(detail["result"]["ticket_ids"]), 1)
        self.assertEqual(self.env["city.ticket"].browse(detail["result"]["ticket_ids"]).partner_id, member)
        self.assertError(self.call("POST", f"/orders/{order.id}/pay", token=token), 409, "already_paid")

    def test_partner_combo_combined_payment(self):
        token, member, order = self._partner_combo_order(True, "openid-combo")
        stranger = self.login("openid-not-combo")[0]
        self.assertError(self.call("POST", f"/orders/{order.id}/pay", token=stranger), 404, "not_found")
        status, pay, _response = self.call("POST", f"/orders/{order.id}/pay", token=token)
        self.assertEqual(status, 200, pay)
        params = pay["result"]
        self.assertEqual(params["parts"], [], "one confirmation")
        ref = self.env["payment.transaction"].search([("reference", "=", params["reference"])]).wechatpay_combine_ref
        sent = self.pay_fake.combines[ref]
        self.assertEqual(params["package"], f"prepay_id={sent['prepay_id']}")
        self.assertEqual(
            [(s["sub_mchid"], s["amount"]["total_amount"], s["settle_info"]) for s in sent["sub_orders"]],
            [(SUB_A, 9950, {"profit_sharing": True}), (SUB_B, 9950, {"profit_sharing": True})],
        )
        self._notify(order, combine.pay_combine(self.pay_fake, ref))
        detail = self.call("GET", f"/orders/{order.id}", token=token)[1]["result"]
        self.assertEqual(detail["state"], "paid")
        tickets = self.env["city.ticket"].browse(detail["ticket_ids"])
        self.assertEqual((tickets.partner_id, tickets.merchant_id), (member, self.merchant_a | self.merchant_b))

    def test_partner_combo_one_payment_per_shop(self):
        token, _member, order = self._partner_combo_order(False, "openid-parts")
        params = self.call("POST", f"/orders/{order.id}/pay", token=token)[1]["result"]
        parts = params["parts"]
        self.assertEqual(
            [(p["merchant"], p["amount"]) for p in parts],
            [(m.name, {"fen": 9950, "display": "¥99.50"}) for m in self.merchant_a | self.merchant_b],
        )
        self.assertEqual(parts[0]["payment"], {k: v for k, v in params.items() if k != "parts"})
        sent = [self.pay_fake.orders[p["payment"]["reference"]] for p in parts]
        self.assertEqual([(o["sub_mchid"], o["amount"]["total"]) for o in sent], [(SUB_A, 9950), (SUB_B, 9950)])
        self.assertEqual(len({p["payment"]["package"] for p in parts}), 2, "one confirmation per shop")
        self._notify(order, self.pay_fake.pay(parts[0]["payment"]["reference"]))
        # asked again after the first shop's payment: only the second one, the same prepay
        again = self.call("POST", f"/orders/{order.id}/pay", token=token)[1]["result"]
        self.assertEqual([p["payment"]["package"] for p in again["parts"]], [parts[1]["payment"]["package"]])
        self.assertEqual(self.call("GET", f"/orders/{order.id}", token=token)[1]["result"]["state"], "unpaid")
        self._notify(order, self.pay_fake.pay(parts[1]["payment"]["reference"]))
        detail = self.call("GET", f"/orders/{order.id}", token=token)[1]["result"]
        self.assertEqual((detail["state"], len(detail["ticket_ids"])), ("paid", 2))
