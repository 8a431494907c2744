# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fund-flow bill (资金账单) imported, and its reconciliation layer: fees and payouts."""

import base64
import io

import openpyxl
import pytz

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.city_base.tools.allocation import to_fen

from .bill_samples import fee_of, fund_flow_bill, fund_flow_row, fund_flow_trade, wechat_bill, wechat_payment
from .common import CitySettlementCommon

BEIJING = pytz.timezone("Asia/Shanghai")


@tagged("post_install", "-at_install")
class TestFundFlow(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["city.split.rule"].create(
            {"name": "平台默认", "mode": "fee", "platform_fee_percent": 5.0, "channel_fee_percent": 0.6}
        )
        cls.merchant_a.city_settlement_cycle = "realtime"
        cls.product = cls._create_merchant_product(cls.merchant_a, 88.8, name="招牌奶茶券")
        cls.order = cls._create_order(cls.member, cls.product)
        cls.tx = cls._pay_order(cls.order)
        cls.tx.provider_reference = "4200002401202612020000000001"
        for escrow in cls.order.city_escrow_ids:
            escrow._release(escrow.amount_residual, cls.order.order_line[0])
        cls.settlement = cls.env["city.settlement"]._run_settlements(merchants=cls.merchant_a)
        cls.settlement.action_confirm()
        # Paid out through the channel (profit sharing): the channel's own reference is the payout's.
        cls.payout = (
            cls.env["city.settlement.payout"]
            .sudo()
            .create(
                {
                    "settlement_id": cls.settlement.id,
                    "merchant_id": cls.merchant_a.id,
                    "company_id": cls.company.id,
                    "currency_id": cls.currency.id,
                    "amount": cls.settlement.closing_balance,
                    "channel": "wechat",
                    "reference": "PS202612020001",
                }
            )
        )
        cls.time = pytz.utc.localize(cls.tx.last_state_change).astimezone(BEIJING).replace(tzinfo=None)
        cls.today = cls.time.date()
        cls.stamp = cls.time.strftime("%Y-%m-%d %H:%M:%S")
        cls.amount = to_fen(cls.tx.amount)
        cls.fee = fee_of(cls.amount)

    def _flow_rows(self, fee=None, payout=None):
        return [
            *fund_flow_trade(self.stamp, self.tx.provider_reference, self.tx.reference, self.amount, fee or self.fee),
            fund_flow_row(
                self.stamp, "分账", "分账", "支出", payout or to_fen(self.payout.amount), "3000001", "PS202612020001"
            ),
            fund_flow_row(self.stamp, "提现", "提现", "支出", 5000, "", "", "提现到银行卡"),
        ]

    def _import(self, data, kind, reconcile=False):
        wizard = (
            self.env["city.payment.bill.import"]
            .with_user(self.accountant)
            .create(
                {
                    "file": base64.b64encode(data),
                    "file_name": f"{kind}.csv",
                    "provider_id": self.city_provider.id,
                    "bill_kind": kind,
                    "reconcile": reconcile,
                }
            )
        )
        wizard.action_import()
        return self.env["city.payment.bill"].search([("bill_kind", "=", kind)], order="id desc", limit=1)

    def _run(self):
        return self.env["city.reconciliation"]._get_or_create(self.today, self.today, provider=self.city_provider)

    def test_consistent_fund_flow_reconciles_with_zero_differences(self):
        booked = sum(
            to_fen(a.amount)
            for a in self.env["city.settlement.allocation"].search([("order_id", "=", self.order.id)])
            if a.role == "channel_fee"
        )
        self.assertEqual(booked, self.fee, "the split rule books the fee WeChat charges")
        self._import(
            wechat_bill([wechat_payment(self.stamp, self.tx.reference, self.amount, self.tx.provider_reference)]),
            "trade",
        )
        bill = self._import(fund_flow_bill(self._flow_rows(), opening=100000), "fund_flow", reconcile=True)
        self.assertEqual(bill.bill_kind, "fund_flow")
        self.assertEqual(bill.line_count, 4)
        self.assertEqual(bill.amount_paid, self.tx.amount)
        self.assertEqual(to_fen(bill.amount_fee), self.fee)
        self.assertEqual(bill.amount_payout, self.payout.amount)
        self.assertEqual(bill.amount_withdrawal, 50.0)
        self.assertEqual(set(bill.fund_line_ids.mapped("category")), {"trade", "fee", "payout", "withdrawal"})
        run = self._run()
        self.assertFalse(run.difference_ids, run.difference_ids.mapped(lambda d: (d.cause, d.reference, d.amount)))
        self.assertEqual(bill.state, "reconciled")
        self.assertTrue(run.flow_fees_checked)
        self.assertEqual((to_fen(run.flow_fee), to_fen(run.bill_fee), to_fen(run.booked_fee)), (self.fee,) * 3)
        self.assertEqual((run.flow_payout, run.odoo_payout), (self.payout.amount, self.payout.amount))
        self.assertEqual(run.flow_withdrawal, 50.0)
        payout_line = bill.fund_line_ids.filtered(lambda line: line.category == "payout")
        self.assertEqual((payout_line.match_state, payout_line.payout_id), ("matched", self.payout))

        # The sheet shows the layer side by side.
        action = run.with_user(self.accountant).action_download_xlsx()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/web/content/")[1].split("?")[0]))
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw), read_only=True, data_only=True)
        try:
            summary = {row[0]: row for row in book["汇总"].iter_rows(values_only=True) if row and row[0]}
            fee_row = summary["手续费（资金账单 ↔ 交易账单）"]
            self.assertEqual(
                (round(fee_row[1] * 100), round(fee_row[2] * 100), fee_row[3] or 0), (self.fee, self.fee, 0)
            )
            booked_row = summary["手续费（交易账单 ↔ 已入账）"]
            self.assertEqual(round(booked_row[2] * 100), self.fee)
            payout_row = summary["付款（资金账单 ↔ 付款记录）"]
            self.assertEqual(round(payout_row[1] * 100), to_fen(self.payout.amount))
            self.assertEqual(round(payout_row[2] * 100), to_fen(self.payout.amount))
            self.assertEqual(summary["差异合计"][1] or 0, 0)
            self.assertEqual(len(list(book["差异"].iter_rows(min_row=2, values_only=True))), 0)
        finally:
            book.close()

    def test_planted_differences_are_listed_with_their_cause(self):
        self._import(
            wechat_bill([wechat_payment(self.stamp, self.tx.reference, self.amount, self.tx.provider_reference)]),
            "trade",
        )
        payout = to_fen(self.payout.amount)
        bill = self._import(fund_flow_bill(self._flow_rows(fee=self.fee + 7, payout=payout - 100)), "fund_flow", True)
        run = self._run()
        found = sorted((d.cause, to_fen(d.bill_amount), to_fen(d.odoo_amount)) for d in run.difference_ids)
        self.assertEqual(
            found,
            [("flow_fee_mismatch", self.fee + 7, self.fee), ("payout_mismatch", payout - 100, payout)],
        )
        self.assertEqual(run.difference_count, 2)
        self.assertEqual(bill.state, "difference")
        fee_diff = run.difference_ids.filtered(lambda d: d.cause == "flow_fee_mismatch")
        self.assertEqual(fee_diff.fund_line_ids.mapped("category"), ["fee"])
        payout_diff = run.difference_ids.filtered(lambda d: d.cause == "payout_mismatch")
        self.assertEqual((payout_diff.reference, payout_diff.payout_ids), ("PS202612020001", self.payout))
        action = run.with_user(self.accountant).action_download_xlsx()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/web/content/")[1].split("?")[0]))
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw), read_only=True, data_only=True)
        try:
            rows = list(book["差异"].iter_rows(min_row=2, values_only=True))
            self.assertEqual(len([r for r in rows if r and r[0]]), 2)
        finally:
            book.close()

    def test_fund_flow_import_is_idempotent_and_checked(self):
        data = fund_flow_bill(self._flow_rows())
        first = self._import(data, "fund_flow")
        self.assertEqual(self._import(data, "fund_flow"), first, "the same file twice is the first bill")
        again = self._import(fund_flow_bill(self._flow_rows(), newline="\n"), "fund_flow")
        self.assertNotEqual(again, first)
        self.assertEqual((again.line_count, again.skipped_count), (0, 4), "movements already imported are skipped")
        with self.assertRaisesRegex(UserError, "支出金额|cannot be read"):
            self._import(fund_flow_bill(self._flow_rows(), summary_override={"expense": 1}), "fund_flow")
        first.with_user(self.operator).fund_line_ids.read(["amount"])
