# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The checks this module adds to wechatpayv3's: key by serial, timestamp age, signature type, SHA1."""

import hashlib
import time

from odoo.tests import BaseCase, tagged

from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay
from odoo.addons.city_wechatpay.tools import signature


@tagged("post_install", "-at_install")
class TestSignature(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeWechatPay()  # keys only, no server
        vals = cls.fake.provider_vals(certificates=True)
        cls.keyring = signature.KeyRing(
            public_key=vals["wechatpay_public_key"],
            public_key_id=vals["wechatpay_public_key_id"],
            certificates=vals["wechatpay_platform_certificates"],
        )

    def _notice(self, **kwargs):
        return self.fake.notice("TRANSACTION.SUCCESS", {"out_trade_no": "S00001-1"}, **kwargs)

    def test_public_key_and_certificate_both_accepted(self):
        for serial in (self.fake.public_key_id, self.fake.cert_serial, self.fake.cert_serial.lower()):
            headers, body = self._notice(serial=serial)
            envelope, resource = signature.parse_notice(self.keyring, self.fake.apiv3_key, headers, body)
            self.assertEqual(resource, {"out_trade_no": "S00001-1"})
            self.assertEqual(envelope["event_type"], "TRANSACTION.SUCCESS")

    def test_refused(self):
        cases = {
            "forged": self._notice(key=FakeWechatPay().wechat_key),
            "stale": self._notice(timestamp=int(time.time()) - 301),
            "future": self._notice(timestamp=int(time.time()) + 301),
            "unknown serial": self._notice(serial="PUB_KEY_ID_0000000000000000"),
            "non-hex serial": self._notice(serial="not-hex!"),
        }
        headers, body = self._notice()
        cases["tampered body"] = (headers, body.replace("TRANSACTION", "TRANSACTIOM"))
        cases["missing type"] = ({k: v for k, v in headers.items() if k != "Wechatpay-Signature-Type"}, body)
        cases["other type"] = ({**headers, "Wechatpay-Signature-Type": "SM2"}, body)
        cases["missing signature"] = ({k: v for k, v in headers.items() if k != "Wechatpay-Signature"}, body)
        for label, (headers, body) in cases.items():
            with self.subTest(label), self.assertRaises(signature.SignatureError):
                signature.parse_notice(self.keyring, self.fake.apiv3_key, headers, body)

    def test_wrong_apiv3_key_refused(self):
        headers, body = self._notice()
        with self.assertRaises(signature.SignatureError):
            signature.parse_notice(self.keyring, "x" * 32, headers, body)

    def test_headers_any_case(self):
        headers, body = self._notice()
        lower = {k.lower(): v for k, v in headers.items()}
        self.assertTrue(signature.verify(self.keyring, lower, body))

    def test_sha1(self):
        data = b"`2026-11-30 10:00:00,`wx\n"
        digest = hashlib.sha1(data).hexdigest()
        self.assertTrue(signature.check_sha1(data, digest.upper()))
        self.assertFalse(signature.check_sha1(data + b" ", digest))
        self.assertFalse(signature.check_sha1(data, ""))
