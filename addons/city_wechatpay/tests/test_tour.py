# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An Operator configures WeChat Pay (public-key mode) in the Chinese UI and enables it;
the provider then holds those values, pays against the fake WeChat Pay server with
them, and a merchant user cannot read them."""

import base64
import shutil

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.city_settlement.tests.common import CitySettlementCommon
from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay, _private_pem, _public_pem
from odoo.addons.city_wechatpay.tests.test_provider import SECRET_FIELDS

# what the tour types (static/tests/tours/operator_provider_tour.js)
TOUR_VALUES = {
    "wechatpay_mode": "direct",
    "wechatpay_mchid": "1900000109",
    "wechatpay_appid": "wxd678efh567hg6787",
    "wechatpay_cert_serial_no": "5A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B",
    "wechatpay_apiv3_key": "Tour0APIv3Key0For0WeChatPay00032",
    "wechatpay_public_key_id": "PUB_KEY_ID_0119000000000000000000000001",
}


@tagged("post_install", "-at_install")
class TestOperatorProviderTour(CitySettlementCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeWechatPay(mchid=TOUR_VALUES["wechatpay_mchid"], appid=TOUR_VALUES["wechatpay_appid"])
        cls.fake.merchant_serial = TOUR_VALUES["wechatpay_cert_serial_no"]
        cls.fake.apiv3_key = TOUR_VALUES["wechatpay_apiv3_key"]
        cls.fake.public_key_id = TOUR_VALUES["wechatpay_public_key_id"]
        cls.fake.start()
        cls.addClassCleanup(cls.fake.stop)
        cls.provider = cls.env.ref("city_wechatpay.payment_provider_wechatpay")
        # the journal is accounting configuration (an administrator's): set before the tour
        cls.provider.write(
            {"state": "disabled", "journal_id": cls.city_bank_journal.id, **dict.fromkeys(SECRET_FIELDS, False)}
        )
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.operator.lang = "zh_CN"
        # the files the operator downloaded from WeChat's merchant platform and uploaded
        cls.env["ir.attachment"].with_user(cls.operator).create(
            [
                {"name": "apiclient_key.pem", "raw": _private_pem(cls.fake.merchant_key).encode()},
                {"name": "pub_key.pem", "raw": _public_pem(cls.fake.wechat_key).encode()},
            ]
        )

    def test_operator_configures_provider_in_chinese(self):
        self.assertTrue(
            any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
            "Chromium is needed for tours (scripts/setup.sh installs it)",
        )
        self.start_tour("/odoo", "city_wechatpay_operator_provider", login=self.operator.login, timeout=180)
        provider = self.provider.sudo()
        provider.invalidate_recordset()
        self.assertEqual(provider.state, "enabled")
        for field, value in TOUR_VALUES.items():
            self.assertEqual(provider[field], value, field)
        self.assertEqual(provider.wechatpay_private_key.strip(), _private_pem(self.fake.merchant_key).strip())
        self.assertEqual(provider.wechatpay_public_key.strip(), _public_pem(self.fake.wechat_key).strip())
        self.assertFalse(provider.wechatpay_platform_certificates, "public-key mode: no platform certificate")

        # the merchant's staff reads none of it, whatever field it asks for
        for user in (self.manager_a, self.staff_a):
            for field in SECRET_FIELDS:
                with self.subTest(user=user.login, field=field), self.assertRaises(AccessError):
                    self.provider.with_user(user).read([field])

        # the values work: a prepay signed with them is accepted by the fake WeChat Pay
        # server, and its signed answer is verified with the public key the operator pasted
        self.env["ir.config_parameter"].sudo().set_param(const.GATEWAY_PARAM, self.fake.url)
        order = self._create_order(self.member, self._create_merchant_product(self.merchant_a, 18.8))
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_wechat_pay").id,
                    "amount": order.amount_total,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_id.id,
                    "reference": self.env["payment.transaction"]._compute_reference(
                        "wechatpay", sale_order_ids=[Command.set(order.ids)]
                    ),
                    "operation": "online_direct",
                    "sale_order_ids": [Command.set(order.ids)],
                    "wechatpay_openid": "o-tour-openid",
                }
            )
        )
        values = tx._get_processing_values()
        self.assertEqual(values["package"], f"prepay_id={self.fake.orders[tx.reference]['prepay_id']}")
        self.assertTrue(base64.b64decode(values["paySign"]))
