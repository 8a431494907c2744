# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The provider's credentials: who reads them, how they are checked, how the client is built."""

import logging

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.common import WechatpayCommon

SECRET_FIELDS = (
    "wechatpay_mchid",
    "wechatpay_appid",
    "wechatpay_sub_mchid",
    "wechatpay_cert_serial_no",
    "wechatpay_private_key",
    "wechatpay_apiv3_key",
    "wechatpay_public_key_id",
    "wechatpay_public_key",
    "wechatpay_platform_certificates",
)


@tagged("post_install", "-at_install")
class TestProvider(WechatpayCommon):
    def test_only_operators_and_admins_read_credentials(self):
        for user in (self.manager_a, self.staff_a, self.accountant):
            for field in SECRET_FIELDS:
                with self.subTest(user=user.login, field=field), self.assertRaises(AccessError):
                    self.provider.with_user(user).read([field])
        values = self.provider.with_user(self.operator).read(list(SECRET_FIELDS))[0]
        self.assertEqual(values["wechatpay_mchid"], self.fake.mchid)
        # the operator sees WeChat Pay providers only
        self.assertFalse(self.city_provider.with_user(self.operator).search([("id", "=", self.city_provider.id)]))
        self.assertIn(self.provider, self.env["payment.provider"].with_user(self.operator).search([]))

    def test_operator_opens_the_form_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        provider = self.provider.with_user(self.operator).with_context(lang="zh_CN")
        arch = provider.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="wechatpay_public_key_id"', arch)
        self.assertEqual(provider._fields["code"].convert_to_export("wechatpay", provider), "微信支付")
        description = provider.fields_get(["wechatpay_apiv3_key"])["wechatpay_apiv3_key"]["string"]
        self.assertEqual(description, "APIv3密钥")

    def test_bad_credentials_refused_without_echo(self):
        for vals in (
            {"wechatpay_apiv3_key": "short-secret-key"},
            {"wechatpay_private_key": "MIIsecret-private-key-text"},
            {"wechatpay_public_key": "MIIsecret-public-key-text"},
            {"wechatpay_platform_certificates": "-----BEGIN CERTIFICATE-----\nMIIsecret\n-----END CERTIFICATE-----"},
        ):
            with self.subTest(next(iter(vals))), self.assertRaises(ValidationError) as caught:
                self.provider.write(vals)
            self.assertNotIn("secret", str(caught.exception))

    def test_client_public_key_mode_with_timeout_and_no_logger(self):
        client = self.provider._wechatpay_client()
        core = client._core
        self.assertEqual(core._public_key_id, self.fake.public_key_id)
        self.assertEqual(core._certificates, [])  # public-key mode: no certificate download
        self.assertEqual(core._timeout, const.TIMEOUT)
        self.assertIsNone(core._logger)
        self.assertEqual(core._gate_way, self.fake.url)
        self.assertGreaterEqual(logging.getLogger("wechatpayv3").getEffectiveLevel(), logging.WARNING)
        self.assertFalse(self.fake.requests, "building the client calls nobody")

    def test_feature_support_and_method(self):
        self.assertEqual(self.provider.support_refund, "partial")
        self.assertIn(self.wechat_method, self.provider.payment_method_ids)
        self.assertEqual(self.provider._get_supported_currencies().mapped("name"), ["CNY"])
