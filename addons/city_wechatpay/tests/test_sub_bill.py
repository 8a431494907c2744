# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sub-merchants' own fund-flow bills (``/v3/bill/sub-merchant-fundflowbill``) of a
service-provider account: asked for per sub-merchant and day, downloaded in parts,
decrypted (file key under the merchant key, AES-256-GCM), SHA1-checked and fed to the
fund-flow import and reconciliation (fees) with zero differences."""

from datetime import date, datetime, timedelta

import pytz

from odoo.tests import HttpCase, tagged

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_settlement.tests.bill_samples import (
    fee_of,
    fund_flow_bill,
    fund_flow_trade,
    wechat_bill,
    wechat_payment,
)
from odoo.addons.city_wechatpay.models.city_wechatpay_bill_download import beijing_datetime
from odoo.addons.city_wechatpay.tests import fake_wechatpay_sub_bills as sub_bills
from odoo.addons.city_wechatpay.tests.common import WechatpayCommon

BEIJING = pytz.timezone("Asia/Shanghai")


@tagged("post_install", "-at_install")
class TestSubMerchantBill(WechatpayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sub_bills.install(cls.fake)
        cls.env["city.split.rule"].create(
            {"name": "平台默认", "mode": "fee", "platform_fee_percent": 5.0, "channel_fee_percent": 0.6}
        )
        cls.env["payment.provider"].search([("code", "=", "wechatpay"), ("id", "!=", cls.provider.id)]).write(
            {"state": "disabled"}
        )
        cls.provider.write({"wechatpay_mode": "partner", "wechatpay_sub_mchid": cls.fake.sub_mchid})
        cls.Download = cls.env["city.wechatpay.bill.download"]

    def _paid_day(self):
        """A payment to the sub-merchant, delivered; its day's bills published: the aggregated
        trade bill and the sub-merchant's fund flow (in two parts); no provider fund flow."""
        order, tx, _values = self._prepaid_tx()
        notice = self.fake.notice("TRANSACTION.SUCCESS", self.fake.pay(tx.reference))
        self.assertEqual(self._post_notice(*notice).status_code, 204)
        self.env.invalidate_all()
        tx._post_process()
        for escrow in order.city_escrow_ids:
            escrow._release(escrow.amount_residual, order.order_line[0])
        local = pytz.utc.localize(tx.last_state_change).astimezone(BEIJING).replace(tzinfo=None)
        day, stamp, amount = local.date(), local.strftime("%Y-%m-%d %H:%M:%S"), to_fen(tx.amount)
        trade = wechat_bill([wechat_payment(stamp, tx.reference, amount, tx.provider_reference)])
        self.fake.add_bill("tradebill", day.isoformat(), trade)
        flow = fund_flow_bill(fund_flow_trade(stamp, tx.provider_reference, tx.reference, amount, fee_of(amount)))
        middle = len(flow) // 2  # WeChat splits a large bill anywhere: the parts joined are the bill
        sub_bills.add_sub_bill(self.fake, self.fake.sub_mchid, day.isoformat(), flow[:middle], flow[middle:])
        return tx, day

    def _run(self, day):
        """The day's downloads, as the daily cron makes them (the bills it asks for each day)."""
        kinds = self.Download._get_bill_kinds(self.provider)
        self.Download._ensure([(self.provider, day, bill_type, sub) for bill_type, sub in kinds])._download()
        return self.Download.search([("provider_id", "=", self.provider.id), ("bill_date", "=", day)])

    def _sub_requests(self):
        return [path for _method, path, _body in self.fake.requests if sub_bills.PATH in path]

    def test_sub_merchant_fund_flow_reconciled_with_zero_differences(self):
        _tx, day = self._paid_day()
        downloads = self._run(day)
        self.assertEqual(
            sorted((d.bill_type, d.sub_mchid or "") for d in downloads),
            [("fund_flow", ""), ("profitsharing", ""), ("sub_fund_flow", self.fake.sub_mchid), ("trade", "")],
        )
        sub = downloads.filtered(lambda d: d.bill_type == "sub_fund_flow")
        self.assertEqual(sub.state, "done", sub.error)
        self.assertEqual(sub.sha1, sub.hash_value, "both parts checked")
        self.assertEqual(len(sub.sha1.split(",")), 2)
        (query,) = self._sub_requests()
        self.assertIn(f"sub_mchid={self.fake.sub_mchid}", query)
        self.assertIn("algorithm=AEAD_AES_256_GCM", query)
        self.assertEqual(downloads.filtered(lambda d: d.bill_type == "fund_flow").state, "empty")
        bill = sub.bill_id
        self.assertEqual((bill.bill_kind, bill.provider_id, bill.bill_date), ("fund_flow", self.provider, day))
        self.assertEqual(bill.amount_paid, 88.8)
        self.assertEqual(to_fen(bill.amount_fee), fee_of(8880))
        run = self.env["city.reconciliation"].search(
            [("date_from", "=", day), ("date_to", "=", day), ("provider_id", "=", self.provider.id)]
        )
        self.assertEqual(run.state, "done")
        self.assertFalse(run.difference_ids, run.difference_ids.mapped(lambda d: (d.cause, d.reference, d.amount)))
        self.assertEqual((run.matched_count, run.odoo_paid), (1, 88.8))
        self.assertEqual(to_fen(run.flow_fee), fee_of(8880))
        self.assertEqual(to_fen(run.booked_fee), fee_of(8880))
        # Once per sub-merchant, date and type.
        self.fake.requests.clear()
        self.assertEqual(self._run(day), downloads)
        self.assertEqual(self._sub_requests(), [])

    def test_wrong_sha1_or_undecryptable_refused_then_retried(self):
        _tx, day = self._paid_day()
        self.fake.sub_bill_sha1_mode = "wrong"
        bills = self.env["city.payment.bill"].search_count([])
        sub = self._run(day).filtered(lambda d: d.bill_type == "sub_fund_flow")
        self.assertEqual(sub.state, "error")
        self.assertIn("SHA1", sub.error)
        self.assertFalse(sub.bill_id)
        self.assertEqual(self.env["city.payment.bill"].search_count([]), bills + 1, "the trade bill only")
        # A file altered on the way: its GCM tag fails, nothing imported.
        self.fake.sub_bill_sha1_mode = "right"
        self.fake.sub_bill_tamper = True
        try:
            sub._download()
        finally:
            self.fake.sub_bill_tamper = False
        self.assertEqual(sub.state, "error")
        self.assertTrue(sub.error and "SHA1" not in sub.error, "refused as undecryptable, before any digest")
        self.assertFalse(sub.bill_id)
        # Right again: retried on the next run, imported.
        self._run(day)
        self.assertEqual((sub.state, sub.attempt_count), ("done", 3))
        self.assertTrue(sub.bill_id)

    def test_the_cron_asks_each_sub_merchant_bill_once_and_none_in_direct_mode(self):
        today = date(2026, 11, 30)
        now = beijing_datetime(today, datetime.min.time().replace(hour=11))
        # The older days were fetched already (no bill): only yesterday's are due.
        kinds = self.Download._get_bill_kinds(self.provider)
        older = self.Download._get_due_dates(now)[1:]
        self.Download._ensure([(self.provider, day, t, sub) for day in older for t, sub in kinds]).write(
            {"state": "empty"}
        )
        self.Download._cron_download_bills(batch_size=500, now=now)
        subs = self.Download.search([("provider_id", "=", self.provider.id), ("bill_type", "=", "sub_fund_flow")])
        self.assertEqual(len(subs), 90, "one a day for the sub-merchant")
        self.assertEqual(set(subs.mapped("sub_mchid")), {self.fake.sub_mchid})
        self.assertEqual(set(subs.mapped("state")), {"empty"})
        (asked,) = self._sub_requests()
        self.assertIn(f"bill_date={today - timedelta(days=1)}", asked)
        self.fake.requests.clear()
        self.provider.write({"wechatpay_mode": "direct", "wechatpay_sub_mchid": False})
        self.Download._cron_download_bills(batch_size=500, now=now + timedelta(days=1))
        self.assertEqual(self._sub_requests(), [])
