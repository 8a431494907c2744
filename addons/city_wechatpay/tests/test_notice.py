# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Notices at /payment/wechatpay/webhook: verified, decrypted, checked, recorded, applied once."""

import time

from odoo.tests import HttpCase, tagged

from odoo.addons.city_wechatpay.tests.common import WechatpayCommon
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay


@tagged("post_install", "-at_install")
class TestNotice(WechatpayCommon, HttpCase):
    def _notices(self):
        return self.env["city.wechatpay.notice"].sudo().search([])

    def test_paid_order_prepay_notice_escrow(self):
        order, tx, _values = self._prepaid_tx()
        headers, body = self.fake.notice("TRANSACTION.SUCCESS", self.fake.pay(tx.reference))
        response = self._post_notice(headers, body)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.content, b"")
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, self.fake.orders[tx.reference]["transaction_id"])
        notice = self._notices()
        self.assertEqual((len(notice), notice.state, notice.transaction_id), (1, "done", tx))
        # the notice's own transaction only marks the payment done: no escrow (nor tickets) yet
        self.assertFalse(order.city_paid_date)
        self.assertFalse(order.city_escrow_ids)
        self.assertFalse(tx.is_post_processed)
        self.assertTrue(self._cron_triggered(), "the post-processing cron is triggered at once")
        # Odoo's payment post-processing then fires the order's paid event
        tx._post_process()
        self.assertTrue(order.city_paid_date)
        self.assertEqual(order.state, "sale")
        self.assertEqual(sum(order.city_escrow_ids.mapped("amount_paid")), 88.8)
        self.assertEqual(order.city_escrow_ids.merchant_id, self.merchant_a)

        # the same notice again, later: answered success, applied once
        response = self._post_notice(headers, body)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(len(self._notices()), 1)
        tx._post_process()
        self.assertEqual(len(order.city_escrow_ids), 1)

    def test_platform_certificate_during_switch_over(self):
        self.provider.write(self.fake.provider_vals(certificates=True))
        _order, tx, _values = self._prepaid_tx()
        headers, body = self.fake.notice(
            "TRANSACTION.SUCCESS", self.fake.pay(tx.reference), serial=self.fake.cert_serial
        )
        self.assertEqual(self._post_notice(headers, body).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")

    def _assert_refused(self, headers, body, tx, status):
        calls = len(self.fake.requests)
        response = self._post_notice(headers, body)
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json()["code"], "FAIL")
        self.assertTrue(response.json()["message"])
        self.env.invalidate_all()
        self.assertEqual(tx.state, "draft")
        self.assertFalse(tx.provider_reference)
        self.assertFalse(self._notices(), "a refused notice writes nothing")
        self.assertFalse(self._cron_triggered())
        self.assertEqual(len(self.fake.requests), calls, "verification calls nobody")

    def test_refused_notices_change_nothing(self):
        _order, tx, _values = self._prepaid_tx()
        resource = self.fake.pay(tx.reference)
        notice = self.fake.notice
        cases = {
            "forged signature": (notice("TRANSACTION.SUCCESS", resource, key=FakeWechatPay().wechat_key), 401),
            "stale timestamp": (notice("TRANSACTION.SUCCESS", resource, timestamp=int(time.time()) - 600), 401),
            "unknown serial": (notice("TRANSACTION.SUCCESS", resource, serial="PUB_KEY_ID_0000000000000000"), 401),
            "certificate not configured": (notice("TRANSACTION.SUCCESS", resource, serial=self.fake.cert_serial), 401),
            "wrong amount": (
                notice("TRANSACTION.SUCCESS", dict(resource, amount={**resource["amount"], "total": 1})),
                400,
            ),
            "wrong currency": (
                notice("TRANSACTION.SUCCESS", dict(resource, amount={**resource["amount"], "currency": "USD"})),
                400,
            ),
            "wrong mchid": (notice("TRANSACTION.SUCCESS", dict(resource, mchid="1900000999")), 400),
            "wrong appid": (notice("TRANSACTION.SUCCESS", dict(resource, appid="wxother")), 400),
            "unknown order": (notice("TRANSACTION.SUCCESS", dict(resource, out_trade_no="S99999-9")), 400),
        }
        headers, body = notice("TRANSACTION.SUCCESS", resource)
        cases["tampered body"] = ((headers, body.replace('"summary": "', '"summary": "x')), 401)
        cases["no signature type"] = (
            ({k: v for k, v in headers.items() if k != "Wechatpay-Signature-Type"}, body),
            401,
        )
        for label, ((headers, body), status) in cases.items():
            with self.subTest(label):
                self._assert_refused(headers, body, tx, status)

    def test_notice_of_other_provider_refused(self):
        other_fake = FakeWechatPay(mchid="1900000222").start()
        self.addCleanup(other_fake.stop)
        other = self.provider.copy({"name": "WeChat Pay 2", **other_fake.provider_vals(), "state": "test"})
        _order, tx, _values = self._prepaid_tx()
        resource = dict(self.fake.pay(tx.reference), mchid=other_fake.mchid)
        headers, body = other_fake.notice("TRANSACTION.SUCCESS", resource)
        self.assertTrue(other)
        self._assert_refused(headers, body, tx, 400)
