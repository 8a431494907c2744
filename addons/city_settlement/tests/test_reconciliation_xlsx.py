# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The reconciliation workbook writer (plain Python, no database): 100,000 rows in constant memory."""

import os
import tempfile
from datetime import datetime, timedelta

import openpyxl

from odoo.tests import BaseCase, tagged

from odoo.addons.city_settlement.report.reconciliation_xlsx import (
    TRANSACTION_COLUMNS,
    ReconciliationWorkbook,
    SummaryRow,
    write_workbook,
)

ROWS = 100_000


@tagged("post_install", "-at_install")
class TestReconciliationWorkbook(BaseCase):
    def test_hundred_thousand_rows_read_back(self):
        start = datetime(2026, 11, 24, 0, 0, 0)

        def transactions():  # a generator: nothing is held in memory
            for i in range(ROWS):
                yield (
                    f"S{i:07d}-1",
                    f"42000024012026112{i:011d}",
                    "收款",
                    start + timedelta(seconds=i % 86400),
                    1990 + i % 7,
                    0,
                    12,
                    f"P{i:07d}",
                    start + timedelta(seconds=i % 86400),
                    1990 + i % 7,
                    0,
                    f"S{i:05d}",
                    "已匹配",
                )

        data = ReconciliationWorkbook(
            title="对账单",
            period="2026-11-24 至 2026-11-24",
            company="测试商圈运营公司",
            summary=[
                SummaryRow("渠道账单 ↔ Odoo 交易", section=True),
                SummaryRow("收款", 123456789, 123456700, "差额见差异表"),
                SummaryRow("托管流入", None, 9900),
            ],
            transactions=transactions(),
            allocations=[("测试茶饮A", 5970, 1990, 120, 0, 0, 0, 0, 0, 8080, 3)],
            payouts=[],
            differences=[("金额不符", "S0000001-1", 1990, 1900, 90, "3", "P0000001", "")],
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "recon.xlsx")
            counts = write_workbook(path, data)
            self.assertEqual(counts["交易明细"], ROWS)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                self.assertEqual(book.sheetnames, ["汇总", "交易明细", "按商户分账", "付款", "差异"])
                sheet = book["交易明细"]
                rows = sheet.iter_rows(values_only=True)
                self.assertEqual(next(rows), tuple(c[0] for c in TRANSACTION_COLUMNS))
                count, total = 0, 0
                for values in rows:
                    count += 1
                    self.assertIsInstance(values[4], (int, float))  # amounts are numbers, not text
                    total += round(values[4] * 100)
                self.assertEqual(count, ROWS)
                self.assertEqual(total, sum(1990 + i % 7 for i in range(ROWS)))
                summary = list(book["汇总"].iter_rows(values_only=True))
                self.assertEqual(summary[3][:4], ("项目", "渠道账单", "Odoo账务", "差额"))
                self.assertEqual(summary[5][:4], ("收款", 1234567.89, 1234567.0, 0.89))
                self.assertEqual(summary[6][1], None)
                allocations = list(book["按商户分账"].iter_rows(values_only=True))
                self.assertEqual(allocations[-1][0], "合计")
                self.assertEqual(allocations[-1][9], 80.8)
            finally:
                book.close()

    def test_print_setup_and_number_formats(self):
        data = ReconciliationWorkbook(
            title="对账单",
            period="2026-11-24",
            company="测试商圈运营公司",
            summary=[SummaryRow("收款", 100, 100)],
            differences=[("金额不符", "S1", 1990, 1900, 90, "3", "P1", "")],
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "recon.xlsx")
            write_workbook(path, data)
            book = openpyxl.load_workbook(path)
            for name in book.sheetnames:
                sheet = book[name]
                self.assertEqual(sheet.page_setup.orientation, "landscape", name)
                self.assertIn(sheet.page_setup.fitToWidth, (None, 1), name)  # 1 is the default, not written
                self.assertEqual(sheet.page_setup.fitToHeight, 0, name)
                self.assertTrue(sheet.sheet_properties.pageSetUpPr.fitToPage, name)
            self.assertEqual(book["差异"].print_title_rows, "$1:$1")
            self.assertEqual(book["汇总"].print_title_rows, "$4:$4")
            cell = book["差异"]["C2"]
            self.assertEqual(cell.data_type, "n")
            self.assertEqual(cell.value, 19.9)
            self.assertIn("#,##0.00", cell.number_format)
            self.assertEqual(book["汇总"]["D5"].value, "=B5-C5")
