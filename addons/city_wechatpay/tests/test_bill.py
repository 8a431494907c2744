# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Daily bills: trade and fund-flow bills downloaded from the fake WeChat Pay, SHA1-checked,
imported and reconciled; catch-up of missed days; the 10:00 Beijing cut-off; two companies."""

import io
import logging
from datetime import date, datetime, timedelta

import openpyxl
import pytz

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_settlement.tests.bill_samples import (
    fee_of,
    fund_flow_bill,
    fund_flow_row,
    fund_flow_trade,
    wechat_bill,
    wechat_payment,
)
from odoo.addons.city_wechatpay.models.city_wechatpay_bill_download import MAX_DAYS_BACK, beijing_datetime
from odoo.addons.city_wechatpay.tests.common import WechatpayCommon

BEIJING = pytz.timezone("Asia/Shanghai")


@tagged("post_install", "-at_install")
class TestBill(WechatpayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["city.split.rule"].create(
            {"name": "平台默认", "mode": "fee", "platform_fee_percent": 5.0, "channel_fee_percent": 0.6}
        )
        cls.Download = cls.env["city.wechatpay.bill.download"]
        cls.cron = cls.env.ref("city_wechatpay.ir_cron_wechatpay_bills")
        # Other WeChat Pay providers of the database (demo data) are not this test's.
        cls.env["payment.provider"].search([("code", "=", "wechatpay"), ("id", "!=", cls.provider.id)]).write(
            {"state": "disabled"}
        )

    def setUp(self):
        super().setUp()
        self.fake.bills.clear()
        self.fake.bill_errors.clear()
        self.fake.bill_sha1_mode = "right"

    # ------------------------------------------------------------------ helpers
    def _paid_tx(self):
        """A member pays through prepay → signed notice → Odoo's post-processing; delivered at once."""
        order, tx, _values = self._prepaid_tx()
        headers, body = self.fake.notice("TRANSACTION.SUCCESS", self.fake.pay(tx.reference))
        self.assertEqual(self._post_notice(headers, body).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "done")
        tx._post_process()
        for escrow in order.city_escrow_ids:
            escrow._release(escrow.amount_residual, order.order_line[0])
        return order, tx

    def _publish_day(self, tx, day=None):
        """The fake WeChat Pay publishes the day's trade and fund-flow bills of ``tx``."""
        local = pytz.utc.localize(tx.last_state_change).astimezone(BEIJING).replace(tzinfo=None)
        day = day or local.date()
        stamp = local.strftime("%Y-%m-%d %H:%M:%S")
        amount = to_fen(tx.amount)
        trade = wechat_bill([wechat_payment(stamp, tx.reference, amount, tx.provider_reference)])
        flow = fund_flow_bill(
            [
                *fund_flow_trade(stamp, tx.provider_reference, tx.reference, amount, fee_of(amount)),
                fund_flow_row(stamp, "提现", "提现", "支出", 1000, "", "", "提现到银行卡"),
            ],
            opening=100000,
        )
        self.fake.add_bill("tradebill", day.isoformat(), trade)
        self.fake.add_bill("fundflowbill", day.isoformat(), flow)
        return day

    def _next_morning(self, day, hour=10, minute=30):
        return beijing_datetime(day + timedelta(days=1), datetime.min.time().replace(hour=hour, minute=minute))

    def _downloads(self, day=None, provider=None):
        domain = [("provider_id", "=", (provider or self.provider).id)]
        if day:
            domain.append(("bill_date", "=", day))
        return self.Download.sudo().search(domain)

    # ------------------------------------------------------------------ tests
    def test_downloaded_bills_of_a_paid_day_reconcile_with_zero_differences(self):
        _order, tx = self._paid_tx()
        day = self._publish_day(tx)
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        downloads = self._downloads(day)
        self.assertEqual(sorted(downloads.mapped("bill_type")), ["fund_flow", "trade"])
        self.assertEqual(set(downloads.mapped("state")), {"done"}, downloads.mapped("error"))
        self.assertTrue(all(d.sha1 == d.hash_value for d in downloads))
        trade = downloads.filtered(lambda d: d.bill_type == "trade").bill_id
        flow = downloads.filtered(lambda d: d.bill_type == "fund_flow").bill_id
        self.assertEqual((trade.bill_kind, trade.provider_id, trade.bill_date), ("trade", self.provider, day))
        self.assertEqual(
            (flow.bill_kind, flow.provider_id, flow.company_id), ("fund_flow", self.provider, self.company)
        )
        self.assertEqual(trade.line_ids.reference, tx.reference)
        self.assertEqual(trade.amount_paid, 88.8)
        run = self.env["city.reconciliation"].search(
            [("date_from", "=", day), ("date_to", "=", day), ("provider_id", "=", self.provider.id)]
        )
        self.assertEqual(run.state, "done", "the day is reconciled once its bills are in")
        self.assertFalse(run.difference_ids, run.difference_ids.mapped(lambda d: (d.cause, d.reference, d.amount)))
        self.assertEqual((run.matched_count, run.bill_paid, run.odoo_paid), (1, 88.8, 88.8))
        self.assertEqual(to_fen(run.flow_fee), fee_of(8880))
        self.assertEqual(to_fen(run.booked_fee), fee_of(8880))
        self.assertEqual((trade.state, flow.state), ("reconciled", "reconciled"))
        self.assertEqual(trade.line_ids.transaction_id, tx)
        # Run again: nothing is fetched twice.
        self.fake.requests.clear()
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        self.assertEqual(self.fake.bill_requests(), [])

    def test_channel_fee_reconciled_per_transaction(self):
        """Two partial deliveries of ¥44.40 book 0.27 + 0.27 of channel fee; WeChat charged 0.53 on
        the ¥88.80 payment: the reconciliation shows the fen per transaction and books it once."""
        order, tx, _values = self._prepaid_tx()
        tx._wechatpay_apply("payment", self.fake.pay(tx.reference))
        tx._post_process()
        for key in "ab":
            order.city_escrow_ids._release(44.4, f"test.use,{order.id}{key}")
        Allocation = self.env["city.settlement.allocation"]
        Allocation._post_batch(company=self.company)
        fees = Allocation.search([("order_id", "=", order.id), ("role", "=", "channel_fee")]).mapped("amount")
        self.assertEqual(fees, [0.27, 0.27])
        day = self._publish_day(tx)
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        run = self.env["city.reconciliation"].search(
            [("date_from", "=", day), ("date_to", "=", day), ("provider_id", "=", self.provider.id)]
        )
        diff = run.difference_ids
        self.assertEqual(
            [(d.cause, d.reference, d.bill_amount, d.odoo_amount, d.amount, d.resolved) for d in diff],
            [("wechatpay_fee_adjusted", tx.reference, 0.53, 0.54, -0.01, True)],
        )
        adjustment = run.wechatpay_fee_adjustment_ids
        self.assertEqual((adjustment.transaction_id, adjustment.amount), (tx, -0.01))
        lines = adjustment.move_id.line_ids
        self.assertEqual(adjustment.move_id.company_id, self.company)
        self.assertEqual(
            sorted((line.account_id.code, line.debit, line.credit) for line in lines),
            [("CITY.CHFEE", 0.01, 0.0), ("CITY.FEE", 0.0, 0.01)],
        )
        chfee = self.city_accounts["city_channel_fee_account_id"]
        self.assertEqual(self._account_balance(chfee), 0.53, "the channel's part is WeChat's fee to the cent")
        self.assertEqual(to_fen(run.booked_fee), fee_of(8880), "the booked fees now agree with the fund flow")
        self.assertFalse(run.difference_ids.filtered(lambda d: d.cause == "booked_fee_mismatch"))
        self.assertTrialBalanceBalances()
        # Reconciled again (and the sheet written): shown again, booked once.
        run._create_xlsx_attachment(run._reconcile())
        self.assertEqual(len(self.env["city.wechatpay.fee.adjustment"].search([("transaction_id", "=", tx.id)])), 1)
        self.assertEqual(run.difference_ids.mapped("cause"), ["wechatpay_fee_adjusted"])
        self.assertEqual(self._account_balance(chfee), 0.53)
        book = openpyxl.load_workbook(io.BytesIO(run.xlsx_attachment_id.raw), read_only=True, data_only=True)
        try:
            rows = [
                row for row in book["差异"].iter_rows(min_row=2, values_only=True) if row and row[1] == tx.reference
            ]
        finally:
            book.close()
        self.assertEqual(len(rows), 1)
        self.assertEqual((rows[0][1], round(rows[0][4] * 100)), (tx.reference, -1))
        self.assertIn(adjustment.move_id.name, rows[0][6])

    def test_wrong_sha1_is_refused_and_nothing_imported(self):
        _order, tx = self._paid_tx()
        day = self._publish_day(tx)
        self.fake.bill_sha1_mode = "wrong"
        bills_before = self.env["city.payment.bill"].search_count([])
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        downloads = self._downloads(day)
        self.assertEqual(set(downloads.mapped("state")), {"error"})
        for download in downloads:
            self.assertIn("SHA1", download.error)
            self.assertTrue(download.hash_value and download.sha1)
            self.assertNotEqual(download.sha1, download.hash_value)
            self.assertIn(download.hash_value, download.error)
            self.assertIn(download.sha1, download.error)
            self.assertFalse(download.bill_id)
        self.assertEqual(self.env["city.payment.bill"].search_count([]), bills_before, "nothing imported")
        self.assertFalse(self.env["city.payment.bill.line"].search([("reference", "=", tx.reference)]))
        # WeChat's file is right again: the failed downloads are retried on the next run.
        self.fake.bill_sha1_mode = "right"
        self.fake.requests.clear()
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        self.assertEqual(set(downloads.mapped("state")), {"done"})
        self.assertEqual(downloads.mapped("attempt_count"), [2, 2])
        self.assertEqual(len(self.fake.bill_requests()), 2, "only the failed ones are asked for again")

    def test_catch_up_of_missed_days_at_most_90_each_once(self):
        today = date(2026, 11, 30)
        now = beijing_datetime(today, datetime.min.time().replace(hour=11))
        with_bills = [today - timedelta(days=1), today - timedelta(days=45)]
        for day in with_bills:
            self.fake.add_bill("tradebill", day.isoformat(), wechat_bill([self._row(day)]))
        self.fake.bill_errors[("fundflowbill", (today - timedelta(days=2)).isoformat())] = (500, "SYSTEM_ERROR")
        runs = 0
        while True:
            runs += 1
            self.assertLess(runs, 20)
            triggers = self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.cron.id)])
            done = self.Download._cron_download_bills(batch_size=40, now=now)
            more = self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.cron.id)]) > triggers
            if not more:
                break
        self.assertGreater(runs, 1, "a catch-up runs in batches, each triggering the next")
        self.assertTrue(done)
        downloads = self._downloads()
        days = {d.bill_date for d in downloads}
        self.assertEqual(len(days), MAX_DAYS_BACK)
        self.assertEqual(max(days), today - timedelta(days=1))
        self.assertEqual(min(days), today - timedelta(days=MAX_DAYS_BACK))
        self.assertEqual(len(downloads), 2 * MAX_DAYS_BACK, "one trade and one fund-flow bill a day")
        requests = self.fake.bill_requests()
        asked = [(kind, day) for kind, day, _query in requests]
        # every (date, type) asked once, except the failed one (retried once per run)
        failed = ("fundflowbill", (today - timedelta(days=2)).isoformat())
        self.assertEqual(len(set(asked)), 2 * MAX_DAYS_BACK)
        self.assertEqual(len([a for a in asked if a != failed]), 2 * MAX_DAYS_BACK - 1)
        self.assertTrue(all(query.get("bill_type") == "ALL" for kind, _d, query in requests if kind == "tradebill"))
        self.assertTrue(
            all(query.get("account_type") == "BASIC" for kind, _d, query in requests if kind == "fundflowbill")
        )
        states = {(d.bill_type, d.bill_date): d.state for d in downloads}
        self.assertEqual({states[("trade", day)] for day in with_bills}, {"done"})
        self.assertEqual(states[("fund_flow", today - timedelta(days=2))], "error")
        self.assertEqual(list(states.values()).count("empty"), 2 * MAX_DAYS_BACK - 3, "no bill: recorded empty")
        # Run again: nothing new is asked for, only the failure is retried.
        self.fake.requests.clear()
        self.Download._cron_download_bills(batch_size=40, now=now)
        self.assertEqual([(k, d) for k, d, _q in self.fake.bill_requests()], [failed])
        self.assertEqual(len(self._downloads()), 2 * MAX_DAYS_BACK)
        # Days later, only the new days are fetched (and nothing older than 90 days).
        self.fake.requests.clear()
        self.Download._cron_download_bills(batch_size=40, now=now + timedelta(days=2))
        asked = {(k, d) for k, d, _q in self.fake.bill_requests()} - {failed}
        self.assertEqual({d for _k, d in asked}, {today.isoformat(), (today + timedelta(days=1)).isoformat()})

    def _row(self, day):
        return wechat_payment(f"{day.isoformat()} 12:00:00", f"SX{day.strftime('%m%d')}-1", 1000, f"4200{day:%m%d}")

    def test_a_bill_without_trades_is_recorded_empty(self):
        day = date(2026, 11, 29)
        self.fake.add_bill("tradebill", day.isoformat(), wechat_bill([]))
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        download = self._downloads(day).filtered(lambda d: d.bill_type == "trade")
        self.assertEqual((download.state, download.bill_id), ("empty", self.env["city.payment.bill"]))
        self.assertEqual(download.sha1, download.hash_value)

    def test_nothing_for_yesterday_before_ten_beijing(self):
        day = date(2026, 11, 29)
        self.fake.add_bill("tradebill", day.isoformat(), wechat_bill([self._row(day)]))
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day, 9, 59))
        self.assertFalse(self._downloads(day))
        self.assertNotIn(day.isoformat(), {d for _k, d, _q in self.fake.bill_requests()})
        self.assertEqual(max(self._downloads().mapped("bill_date")), day - timedelta(days=1))
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day, 10, 0))
        self.assertEqual(self._downloads(day).filtered(lambda d: d.bill_type == "trade").state, "done")

    def test_partner_mode_downloads_the_service_provider_bill(self):
        self.provider.write({"wechatpay_mode": "partner", "wechatpay_sub_mchid": self.fake.sub_mchid})
        day = date(2026, 11, 29)
        self.fake.add_bill("tradebill", day.isoformat(), wechat_bill([self._row(day)]))
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        queries = [q for k, d, q in self.fake.bill_requests() if d == day.isoformat()]
        self.assertEqual(len(queries), 2)
        self.assertTrue(all("sub_mchid" not in q for q in queries), "the aggregated bill of every sub-merchant")
        self.assertEqual(self._downloads(day).filtered(lambda d: d.bill_type == "trade").state, "done")

    def test_credentials_never_in_logs_or_errors(self):
        day = date(2026, 11, 29)
        self.fake.add_bill("tradebill", day.isoformat(), wechat_bill([self._row(day)]))
        self.fake.bill_sha1_mode = "wrong"
        self.fake.bill_errors[("fundflowbill", day.isoformat())] = (500, "SYSTEM_ERROR")
        vals = self.fake.provider_vals()
        secrets = [
            vals["wechatpay_apiv3_key"],
            vals["wechatpay_private_key"].splitlines()[5],
            "WECHATPAY2-SHA256-RSA2048 mchid",
        ]
        with self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger("odoo.addons.city_wechatpay").info("bill download test")
            self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        downloads = self._downloads(day)
        self.assertEqual(set(downloads.mapped("state")), {"error"})
        text = "\n".join(logs.output) + "\n".join(downloads.mapped("error"))
        for secret in secrets:
            self.assertNotIn(secret, text)
        self.assertIn("SYSTEM_ERROR", downloads.filtered(lambda d: d.bill_type == "fund_flow").error)

    def test_two_companies_bills_land_in_their_company(self):
        company_b = self.env["res.company"].create({"name": "城市生活 B 公司", "currency_id": self.currency.id})
        provider_b = self.env["payment.provider"].create(
            {
                "name": "微信支付 B",
                "code": "wechatpay",
                "company_id": company_b.id,
                "state": "test",
                **self.fake.provider_vals(),
            }
        )
        day = date(2026, 11, 29)
        self.fake.add_bill("tradebill", day.isoformat(), wechat_bill([self._row(day)]))
        self.Download._cron_download_bills(batch_size=500, now=self._next_morning(day))
        for provider, company in ((self.provider, self.company), (provider_b, company_b)):
            download = self._downloads(day, provider).filtered(lambda d: d.bill_type == "trade")
            self.assertEqual(download.state, "done", download.error)
            self.assertEqual((download.company_id, download.bill_id.company_id), (company, company))
            self.assertEqual(download.bill_id.provider_id, provider)
            self.assertEqual(download.bill_id.line_ids.company_id, company)
        self.assertNotEqual(self._downloads(day, self.provider).bill_id, self._downloads(day, provider_b).bill_id)
        # An operator of the first company sees its company's downloads only.
        self.assertNotIn(company_b, self.operator.company_ids)
        seen = self.Download.with_user(self.operator).search([("bill_date", "=", day)])
        self.assertEqual(seen.company_id, self.company)

    def test_buttons_and_wizard(self):
        beijing_today = datetime.now(BEIJING).date()
        day = beijing_today - timedelta(days=3)
        self.fake.add_bill("tradebill", day.isoformat(), wechat_bill([self._row(day)]))
        self.fake.bill_sha1_mode = "wrong"
        Wizard = self.env["city.wechatpay.bill.download.wizard"]
        action = (
            Wizard.with_user(self.operator)
            .create({"provider_id": self.provider.id, "bill_date": day, "bill_type": "trade"})
            .action_download()
        )
        download = self.Download.browse(action["domain"][0][2])
        self.assertEqual((download.bill_type, download.state), ("trade", "error"))
        self.fake.bill_sha1_mode = "right"
        download.with_user(self.operator).action_download_now()
        self.assertEqual(download.state, "done")
        with self.assertRaises(AccessError):
            download.with_user(self.staff_a).action_download_now()
        with self.assertRaises(AccessError):
            download.with_user(self.accountant).action_download_now()
        with self.assertRaisesRegex(UserError, "10:00"):
            Wizard.with_user(self.operator).create(
                {"provider_id": self.provider.id, "bill_date": beijing_today - timedelta(days=MAX_DAYS_BACK + 1)}
            ).action_download()
        with self.assertRaisesRegex(UserError, "10:00"):
            Wizard.with_user(self.operator).create(
                {"provider_id": self.provider.id, "bill_date": beijing_today}
            ).action_download()
