# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partner mode (服务商 / 特约商户): payment and refund notices of a sub-merchant's
payment are verified, checked against the transaction (sp_mchid, sub_mchid, sp_appid,
sub_appid) and applied; another sub-merchant's are refused with nothing written."""

from odoo.tests import HttpCase, tagged

from odoo.addons.city_wechatpay.tests.common import WechatpayCommon


@tagged("post_install", "-at_install")
class TestPartnerNotices(WechatpayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.write({"wechatpay_mode": "partner", "wechatpay_sub_mchid": cls.fake.sub_mchid})

    def _notices(self):
        return self.env["city.wechatpay.notice"].sudo().search([])

    def _assert_refused(self, event, resource, status=400):
        count = len(self._notices())
        txs = self.env["payment.transaction"].sudo().search_count([])
        response = self._post_notice(*self.fake.notice(event, resource))
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json()["code"], "FAIL")
        self.env.invalidate_all()
        self.assertEqual(len(self._notices()), count, "a refused notice is not recorded")
        self.assertEqual(self.env["payment.transaction"].sudo().search_count([]), txs)

    def _paid(self):
        order, tx, _values = self._prepaid_tx()
        resource = self.fake.pay(tx.reference)
        self.assertEqual(
            (resource["sp_mchid"], resource["sub_mchid"], resource["sp_appid"]),
            (self.fake.mchid, self.fake.sub_mchid, self.fake.appid),
        )
        self.assertNotIn("mchid", resource)
        self.assertEqual(self._post_notice(*self.fake.notice("TRANSACTION.SUCCESS", resource)).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        tx._post_process()
        return order, tx

    def test_payment_notice_checked_and_applied(self):
        _order, tx, _values = self._prepaid_tx()
        self.assertEqual(tx.wechatpay_sub_mchid, self.fake.sub_mchid)
        resource = self.fake.pay(tx.reference)
        for label, wrong in {
            "other sub-merchant": {"sub_mchid": "1900000999"},
            "other service provider": {"sp_mchid": "1900000222"},
            "other service provider's app": {"sp_appid": "wxotherspappid0001"},
            "no sub-merchant": {"sub_mchid": None},
            "direct-mode payee": {"mchid": self.fake.mchid, "sp_mchid": None, "sub_mchid": None},
        }.items():
            with self.subTest(label):
                self._assert_refused("TRANSACTION.SUCCESS", {**resource, **wrong})
                self.assertEqual(tx.state, "draft")
                self.assertFalse(tx.provider_reference)
        self.assertEqual(self._post_notice(*self.fake.notice("TRANSACTION.SUCCESS", resource)).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, resource["transaction_id"])
        self.assertEqual(self._notices().filtered(lambda n: n.transaction_id == tx).state, "done")

    def test_payment_notice_with_sub_appid(self):
        self.provider.wechatpay_sub_appid = self.fake.sub_appid
        _order, tx, _values = self._prepaid_tx()
        resource = self.fake.pay(tx.reference)
        self.assertEqual(resource["sub_appid"], self.fake.sub_appid)
        self._assert_refused("TRANSACTION.SUCCESS", {**resource, "sub_appid": "wxothersubappid001"})
        self.assertEqual(self._post_notice(*self.fake.notice("TRANSACTION.SUCCESS", resource)).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")

    def test_refund_notice_checked_and_applied(self):
        order, tx = self._paid()
        refund = tx._send_refund_request(amount_to_refund=8.88)
        sent = self.fake.refunds[refund.wechatpay_out_refund_no]
        self.assertEqual(sent["sub_mchid"], self.fake.sub_mchid)
        self.assertEqual(refund.wechatpay_sub_mchid, self.fake.sub_mchid)
        resource = self.fake.refund_resource(refund.wechatpay_out_refund_no)
        self.assertEqual((resource["sp_mchid"], resource["sub_mchid"]), (self.fake.mchid, self.fake.sub_mchid))
        for label, wrong in {
            "other sub-merchant": {"sub_mchid": "1900000999"},
            "other service provider": {"sp_mchid": "1900000222"},
        }.items():
            with self.subTest(label):
                self._assert_refused("REFUND.SUCCESS", {**resource, **wrong})
                self.assertEqual(refund.state, "pending")
        self.assertEqual(self._post_notice(*self.fake.notice("REFUND.SUCCESS", resource)).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(refund.state, "done")
        refund._post_process()
        self.assertEqual(order.city_escrow_ids.amount_refunded, 8.88)

    def test_platform_refund_of_other_sub_merchant_refused(self):
        order, tx = self._paid()
        resource = self.fake.platform_refund(tx.reference, 1000)
        self.assertEqual(resource["sub_mchid"], self.fake.sub_mchid)
        self._assert_refused("REFUND.SUCCESS", {**resource, "sub_mchid": "1900000999"})
        self.assertFalse(self.env["payment.transaction"].search([("source_transaction_id", "=", tx.id)]))
        self.assertEqual(self._post_notice(*self.fake.notice("REFUND.SUCCESS", resource)).status_code, 204)
        refund = self.env["payment.transaction"].search([("source_transaction_id", "=", tx.id)])
        self.assertEqual(
            (refund.amount, refund.state, refund.wechatpay_sub_mchid), (-10.0, "done", self.fake.sub_mchid)
        )
        refund._post_process()
        self.assertEqual(order.city_escrow_ids.amount_refunded, 10.0)
