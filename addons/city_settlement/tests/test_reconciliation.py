# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Channel bills imported, matched with Odoo's payment transactions, and the reconciliation sheet."""

import base64
import io
from datetime import timedelta

import openpyxl
import pytz

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.city_base.tools.allocation import to_fen

from .bill_samples import GENERIC_MAPPING, fee_of, generic_csv, wechat_bill, wechat_payment, wechat_refund
from .common import CitySettlementCommon

BEIJING = pytz.timezone("Asia/Shanghai")


@tagged("post_install", "-at_install")
class TestReconciliation(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_a = cls._create_merchant_product(cls.merchant_a, 199.0, name="三店联名套餐（美甲）")
        cls.product_b = cls._create_merchant_product(cls.merchant_b, 38.5, name="健身体验课")
        cls.orders = [
            cls._create_order(cls.member, cls.product_a),
            cls._create_order(cls.member, cls.product_b),
            cls._create_order(cls.member, [(cls.product_b, 2)]),
        ]
        cls.txs = [cls._pay_order(order) for order in cls.orders]
        for i, tx in enumerate(cls.txs):
            tx.provider_reference = f"42000024012026112400000{i:05d}"
        # A refund of 18.50 on the second order, through the channel.
        cls.refund_tx = cls.txs[1]._create_child_transaction(18.5, is_refund=True)
        cls.refund_tx.provider_reference = "50300000012026112400000001"
        cls.refund_tx._set_done()
        cls.today = cls._local(cls.txs[0].last_state_change).date()

    @classmethod
    def _local(cls, utc_dt):
        return pytz.utc.localize(utc_dt).astimezone(BEIJING).replace(tzinfo=None)

    def _time(self, tx):
        return self._local(tx.last_state_change).strftime("%Y-%m-%d %H:%M:%S")

    def _rows(self):
        rows = [
            wechat_payment(self._time(tx), tx.reference, to_fen(tx.amount), tx.provider_reference) for tx in self.txs
        ]
        rows.append(
            wechat_refund(
                self._time(self.refund_tx),
                self.txs[1].reference,
                1850,
                self.txs[1].provider_reference,
                self.refund_tx.reference,
                self.refund_tx.provider_reference,
            )
        )
        return rows

    def _import(self, data, user=None, **kwargs):
        # Accountants work in Chinese: errors are asserted in the words they read.
        Import = self.env["city.payment.bill.import"].with_user(user or self.accountant).with_context(lang="zh_CN")
        wizard = Import.create(
            {
                "file": base64.b64encode(data),
                "file_name": "trade_bill.csv",
                "provider_id": self.city_provider.id,
                **kwargs,
            }
        )
        wizard.action_import()
        return self.env["city.payment.bill"].search([], order="id desc", limit=1)

    def _run(self):
        return self.env["city.reconciliation"].search(
            [("date_from", "=", self.today), ("date_to", "=", self.today), ("provider_id", "=", self.city_provider.id)],
            limit=1,
        )

    # ------------------------------------------------------------------

    def test_wechat_bill_matches_transactions_and_refunds(self):
        bill = self._import(wechat_bill(self._rows()))
        self.assertEqual(bill.bill_format, "wechat")
        self.assertEqual(bill.line_count, 4)
        self.assertEqual(bill.amount_paid, 199.0 + 38.5 + 77.0)
        self.assertEqual(bill.amount_refunded, 18.5)
        self.assertEqual(bill.summary_count, 4)
        run = self._run()
        self.assertEqual(run.state, "done")
        self.assertFalse(run.difference_ids, run.difference_ids.mapped(lambda d: (d.cause, d.reference)))
        self.assertEqual(bill.state, "reconciled")
        self.assertEqual(run.matched_count, 3)
        self.assertEqual(run.bill_paid, run.odoo_paid)
        self.assertEqual(run.bill_refunded, run.odoo_refunded)
        self.assertEqual(to_fen(run.bill_fee), sum(fee_of(to_fen(tx.amount)) for tx in self.txs) - fee_of(1850))
        payment_lines = bill.line_ids.filtered(lambda line: line.kind == "payment").sorted("date")
        self.assertEqual(set(payment_lines.mapped("match_state")), {"matched"})
        self.assertEqual(set(payment_lines.transaction_id.ids), {tx.id for tx in self.txs})
        refund_line = bill.line_ids.filtered(lambda line: line.kind == "refund")
        self.assertEqual(refund_line.refund_reference, self.refund_tx.reference)
        self.assertEqual(refund_line.match_state, "matched")

    def test_each_difference_cause(self):
        rows = self._rows()
        tx_a, tx_b, tx_c = self.txs
        rows[0] = wechat_payment(self._time(tx_a), tx_a.reference, 19800, tx_a.provider_reference)  # amount
        rows[2] = wechat_payment(self._time(tx_c), tx_c.reference, 7700, tx_c.provider_reference, fee=99)  # fee
        rows[3] = wechat_refund(  # refund of 20.00 where Odoo refunded 18.50
            self._time(self.refund_tx), tx_b.reference, 2000, tx_b.provider_reference, "R-X", "50300000019"
        )
        rows.append(wechat_payment(self._time(tx_a), "UNKNOWN-REF-1", 5000, "4200009999"))  # missing in Odoo
        extra_order = self._create_order(self.member, self.product_b)
        extra_tx = self._pay_order(extra_order)  # missing in the bill
        bill = self._import(wechat_bill(rows))
        run = self._run()
        run.fee_rate = 0.6
        run.action_reconcile()
        causes = {(d.cause, d.reference): d for d in run.difference_ids}
        self.assertEqual(
            set(causes),
            {
                ("amount_mismatch", tx_a.reference),
                ("fee_mismatch", tx_c.reference),
                ("refund_mismatch", tx_b.reference),
                ("missing_in_odoo", "UNKNOWN-REF-1"),
                ("missing_in_bill", extra_tx.reference),
            },
        )
        amount = causes[("amount_mismatch", tx_a.reference)]
        self.assertEqual((amount.bill_amount, amount.odoo_amount, amount.amount), (198.0, 199.0, -1.0))
        self.assertEqual(amount.transaction_ids, tx_a)
        fee = causes[("fee_mismatch", tx_c.reference)]
        self.assertEqual((fee.bill_amount, fee.odoo_amount), (0.99, 0.46))
        refund = causes[("refund_mismatch", tx_b.reference)]
        self.assertEqual((refund.bill_amount, refund.odoo_amount, refund.amount), (20.0, 18.5, 1.5))
        missing = causes[("missing_in_odoo", "UNKNOWN-REF-1")]
        self.assertEqual((missing.amount, len(missing.bill_line_ids)), (50.0, 1))
        self.assertEqual(causes[("missing_in_bill", extra_tx.reference)].amount, -extra_tx.amount)
        self.assertEqual(bill.state, "difference")
        self.assertEqual(run.difference_count, 5)

    def test_import_is_idempotent(self):
        data = wechat_bill(self._rows())
        bill = self._import(data)
        again = self.env["city.payment.bill"].with_user(self.accountant)._import_file(data, bill_format="wechat")
        self.assertEqual(again, bill)
        self.assertEqual(self.env["city.payment.bill.line"].search_count([("bill_id", "=", bill.id)]), 4)
        # The same trades in another file (re-downloaded as GBK) plus one new: only the new line is added.
        rows = self._rows()
        rows.append(wechat_payment(self._time(self.txs[0]), "NEW-REF-1", 100, "4200007777"))
        other = self.env["city.payment.bill"]._import_file(wechat_bill(rows, encoding="gbk"), bill_format="wechat")
        self.assertNotEqual(other, bill)
        self.assertEqual((other.line_count, other.skipped_count), (1, 4))
        self.assertEqual(other.line_ids.reference, "NEW-REF-1")
        lines = self.env["city.payment.bill.line"].search([("reference", "in", [tx.reference for tx in self.txs])])
        self.assertEqual(len(lines), 4)  # three payments and one refund, each once
        self.assertEqual(lines.bill_id, bill)

    def test_generic_csv_mapping(self):
        mapping = (
            self.env["city.payment.bill.mapping"]
            .with_user(self.accountant)
            .create(
                {
                    "name": "银行收单对账文件",
                    "code": "bank",
                    "date_column": GENERIC_MAPPING["date"],
                    "reference_column": GENERIC_MAPPING["reference"],
                    "type_column": GENERIC_MAPPING["type"],
                    "amount_column": GENERIC_MAPPING["amount"],
                    "fee_column": GENERIC_MAPPING["fee"],
                    "refund_amount_column": GENERIC_MAPPING["refund_amount"],
                    "refund_types": GENERIC_MAPPING["refund_types"],
                }
            )
        )
        rows = [
            (self._time(tx), tx.reference, "支付", to_fen(tx.amount), fee_of(to_fen(tx.amount)), 0) for tx in self.txs
        ]
        rows.append((self._time(self.refund_tx), self.txs[1].reference, "退款", 0, -fee_of(1850), 1850))
        bill = self._import(generic_csv(rows, encoding="gbk"), bill_format="csv", mapping_id=mapping.id)
        self.assertEqual(bill.channel, "csv:bank")
        self.assertEqual(bill.line_count, 4)
        self.assertFalse(self._run().difference_ids)
        with self.assertRaisesRegex(UserError, "CSV映射"):
            self._import(generic_csv(rows), bill_format="csv")

    def test_bad_file_is_refused_with_its_line(self):
        bills_before = self.env["city.payment.bill"].search_count([])
        data = wechat_bill(self._rows()).replace(b"`199.00", b"`19x.00", 1)
        with self.assertRaisesRegex(UserError, "第 2 行"):
            self._import(data)
        with self.assertRaises(UserError):
            self._import(b"")
        self.assertEqual(self.env["city.payment.bill"].search_count([]), bills_before)

    def test_access(self):
        bill = self._import(wechat_bill(self._rows()))
        run = self._run()
        for user in (self.manager_a, self.staff_a, self.manager_b):
            with self.assertRaises(AccessError):
                self.env["city.payment.bill"].with_user(user).search([])
            with self.assertRaises(AccessError):
                bill.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                bill.line_ids[:1].with_user(user).read(["amount"])
            with self.assertRaises(AccessError):
                run.with_user(user).read(["bill_paid"])
            with self.assertRaises(AccessError):
                self.env["city.payment.bill.import"].with_user(user).create({"file": base64.b64encode(b"x")})
        self.assertIn(bill, self.env["city.payment.bill"].with_user(self.accountant).search([]))
        bill.with_user(self.operator).read(["name", "amount_paid"])
        with self.assertRaises(AccessError):
            self.env["city.payment.bill.import"].with_user(self.operator).create({"file": base64.b64encode(b"x")})
        run.with_user(self.accountant).difference_ids.read(["cause"])

    def test_reconciliation_sheet_totals_equal_the_ledger(self):
        # Deliver the first order at its shop: escrow is released through the split rule.
        escrows = self.orders[0].order_line.city_escrow_ids
        for escrow in escrows:
            escrow._release(escrow.amount_residual, self.orders[0].order_line[0])
        self.env["city.settlement.allocation"]._post_batch()
        self._import(wechat_bill(self._rows()))
        wizard = (
            self.env["city.reconciliation.report"]
            .with_user(self.accountant)
            .create(
                {
                    "date_from": self.today - timedelta(days=1),
                    "date_to": self.today,
                    "provider_id": self.city_provider.id,
                }
            )
        )
        action = wizard.action_download()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw), read_only=True, data_only=True)
        try:
            self.assertEqual(book.sheetnames, ["汇总", "交易明细", "按商户分账", "付款", "差异"])
            summary = {row[0]: row for row in book["汇总"].iter_rows(values_only=True) if row and row[0]}

            def fen(value):
                return round((value or 0) * 100)

            run = self.env["city.reconciliation"].search([], order="id desc", limit=1)
            start, end = run._get_bounds()
            bill_lines = self.env["city.payment.bill.line"].search(
                [
                    ("date", ">=", start),
                    ("date", "<", end),
                    ("bill_id.provider_id", "in", [self.city_provider.id, False]),
                ]
            )
            self.assertEqual(fen(summary["收款"][1]), sum(to_fen(line.amount) for line in bill_lines))
            self.assertEqual(fen(summary["退款"][1]), sum(to_fen(line.refund_amount) for line in bill_lines))
            self.assertEqual(fen(summary["手续费"][1]), sum(to_fen(line.fee) for line in bill_lines))
            self.assertEqual(fen(summary["收款"][2]), sum(to_fen(tx.amount) for tx in self.txs))
            self.assertEqual(fen(summary["收款"][3]), fen(summary["收款"][1]) - fen(summary["收款"][2]))
            self.assertEqual(fen(summary["退款"][2]), 1850)
            escrows = self.env["city.escrow"].search([("paid_date", ">=", start), ("paid_date", "<", end)])
            escrow_in = sum(to_fen(e.amount_paid) for e in escrows)
            self.assertEqual(fen(summary["托管流入"][2]), escrow_in)
            allocations = self.env["city.settlement.allocation"].search(
                [("date", ">=", self.today - timedelta(days=1)), ("date", "<=", self.today)]
            )
            self.assertTrue(allocations)
            for role, label in (
                ("merchant", "商户应付"),
                ("platform_fee", "平台服务费"),
                ("channel_fee", "渠道手续费"),
            ):
                expected = sum(to_fen(a.amount) for a in allocations if a.role == role)
                self.assertEqual(fen(summary[label][2]), expected, label)
            self.assertEqual(fen(summary["分账合计"][2]), sum(to_fen(a.amount) for a in allocations))
            if "托管入账（总账）" in summary:
                escrow_account = self.env.company.city_escrow_account_id
                move_lines = self.env["account.move.line"].search(
                    [
                        ("account_id", "=", escrow_account.id),
                        ("parent_state", "=", "posted"),
                        ("date", ">=", self.today - timedelta(days=1)),
                        ("date", "<=", self.today),
                    ]
                )
                self.assertEqual(fen(summary["托管入账（总账）"][2]), sum(to_fen(ml.credit) for ml in move_lines))
            merchants = {row[0]: row for row in book["按商户分账"].iter_rows(min_row=2, values_only=True)}
            merchant_total = sum(
                to_fen(a.amount) for a in allocations if a.merchant_id == self.merchant_a and a.role == "merchant"
            )
            self.assertEqual(fen(merchants[self.merchant_a.display_name][1]), merchant_total)
            references = {tx.reference for tx in self.txs}
            details = [row for row in book["交易明细"].iter_rows(min_row=2, values_only=True) if row[0] in references]
            self.assertEqual(len(details), 4)
            self.assertTrue(all(row[-1] == "已匹配" for row in details))
            self.assertIsInstance(details[0][4], (int, float))  # a number, not text
        finally:
            book.close()
