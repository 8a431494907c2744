# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The reconciliation workbook for finance (plain Python with xlsxwriter, no ORM).

Five sheets — 汇总, 交易明细, 按商户分账, 付款, 差异 — with Chinese headers,
amounts as numbers (integer fen in, yuan written with a number format), and a
print setup (A4 landscape, fit to one page wide, header row repeated on every
page). The workbook is written with ``constant_memory``: each row is flushed to
disk once the next row starts, so a sheet of 100,000 rows or more needs no
more memory than one row; rows must therefore come in order, sheet by sheet.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import xlsxwriter

AMOUNT_FORMAT = "#,##0.00;[Red]-#,##0.00"

TEXT, AMOUNT, INTEGER, DATETIME, DATE, RATE = "text", "amount", "int", "datetime", "date", "rate"

TRANSACTION_COLUMNS = (
    ("参考号", TEXT, 22),
    ("渠道单号", TEXT, 30),
    ("类型", TEXT, 8),
    ("账单时间", DATETIME, 19),
    ("账单金额", AMOUNT, 13),
    ("账单退款", AMOUNT, 13),
    ("账单手续费", AMOUNT, 12),
    ("Odoo交易", TEXT, 22),
    ("Odoo时间", DATETIME, 19),
    ("Odoo金额", AMOUNT, 13),
    ("Odoo退款", AMOUNT, 13),
    ("订单", TEXT, 14),
    ("对账结果", TEXT, 14),
)
ALLOCATION_COLUMNS = (
    ("商户", TEXT, 26),
    ("商户应付", AMOUNT, 14),
    ("平台服务费", AMOUNT, 13),
    ("渠道手续费", AMOUNT, 13),
    ("分销佣金", AMOUNT, 13),
    ("联营提成", AMOUNT, 13),
    ("积分清算", AMOUNT, 13),
    ("联盟券清算", AMOUNT, 13),
    ("退款", AMOUNT, 13),
    ("过期转收入", AMOUNT, 13),
    ("合计", AMOUNT, 14),
    ("分账笔数", INTEGER, 10),
)
PAYOUT_COLUMNS = (
    ("结算单号", TEXT, 18),
    ("商户", TEXT, 26),
    ("结算周期", TEXT, 10),
    ("起始日期", DATE, 12),
    ("截止日期", DATE, 12),
    ("期初余额", AMOUNT, 14),
    ("本期变动", AMOUNT, 14),
    ("期末余额", AMOUNT, 14),
    ("付款金额", AMOUNT, 14),
    ("付款方式", TEXT, 12),
    ("付款参考", TEXT, 20),
    ("付款日期", DATE, 12),
)
DIFFERENCE_COLUMNS = (
    ("差异原因", TEXT, 16),
    ("参考号", TEXT, 22),
    ("账单金额", AMOUNT, 14),
    ("Odoo金额", AMOUNT, 14),
    ("差额", AMOUNT, 14),
    ("账单行号", TEXT, 12),
    ("Odoo交易", TEXT, 24),
    ("说明", TEXT, 40),
)
SUMMARY_COLUMNS = (
    ("项目", TEXT, 30),
    ("渠道账单", AMOUNT, 16),
    ("Odoo账务", AMOUNT, 16),
    ("差额", AMOUNT, 16),
    ("说明", TEXT, 46),
)


@dataclass
class SummaryRow:
    """One line of 汇总: a label and the two sides that must match (fen, ``None`` for none)."""

    label: str
    bill: int | None = None
    odoo: int | None = None
    note: str = ""
    section: bool = False  # a section title row


@dataclass
class ReconciliationWorkbook:
    """Everything written into the workbook; detail rows may be generators."""

    title: str
    period: str
    company: str
    summary: list = field(default_factory=list)  # SummaryRow
    transactions: object = ()  # tuples in TRANSACTION_COLUMNS order
    allocations: object = ()
    payouts: object = ()
    differences: object = ()
    generated: str = ""


def write_workbook(output, data):
    """Write ``data`` (:class:`ReconciliationWorkbook`) as XLSX into ``output`` (path or binary file).

    :return: dict of rows written per sheet
    """
    workbook = xlsxwriter.Workbook(
        output, {"constant_memory": True, "in_memory": False, "remove_timezone": True, "strings_to_numbers": False}
    )
    formats = _formats(workbook)
    counts = {}
    try:
        counts["汇总"] = _write_summary(workbook, formats, data)
        counts["交易明细"] = _write_table(workbook, formats, "交易明细", TRANSACTION_COLUMNS, data.transactions, data)
        counts["按商户分账"] = _write_table(
            workbook, formats, "按商户分账", ALLOCATION_COLUMNS, data.allocations, data, total_from=1
        )
        counts["付款"] = _write_table(workbook, formats, "付款", PAYOUT_COLUMNS, data.payouts, data, total_from=5)
        counts["差异"] = _write_table(workbook, formats, "差异", DIFFERENCE_COLUMNS, data.differences, data)
    finally:
        workbook.close()
    return counts


def _formats(workbook):
    base = {"font_name": "SimSun", "font_size": 10, "valign": "vcenter"}
    return {
        "title": workbook.add_format({**base, "bold": True, "font_size": 14}),
        "subtitle": workbook.add_format({**base, "italic": True, "font_color": "#555555"}),
        "header": workbook.add_format(
            {**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center", "text_wrap": True}
        ),
        "section": workbook.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "border": 1}),
        TEXT: workbook.add_format({**base, "border": 1}),
        AMOUNT: workbook.add_format({**base, "border": 1, "num_format": AMOUNT_FORMAT}),
        "amount_bold": workbook.add_format({**base, "border": 1, "bold": True, "num_format": AMOUNT_FORMAT}),
        INTEGER: workbook.add_format({**base, "border": 1, "num_format": "0"}),
        DATETIME: workbook.add_format({**base, "border": 1, "num_format": "yyyy-mm-dd hh:mm:ss"}),
        DATE: workbook.add_format({**base, "border": 1, "num_format": "yyyy-mm-dd"}),
        RATE: workbook.add_format({**base, "border": 1, "num_format": "0.00%"}),
        "total_label": workbook.add_format({**base, "bold": True, "border": 1, "top": 2}),
        "total": workbook.add_format({**base, "bold": True, "border": 1, "top": 2, "num_format": AMOUNT_FORMAT}),
    }


def _print_setup(sheet, data, header_row, last_col):
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_header(f'&L&"SimSun,Bold"{_escape(data.title)}&R{_escape(data.period)}')
    sheet.set_footer("&L" + _escape(data.company) + "&C第 &P 页 / 共 &N 页")
    sheet.freeze_panes(header_row + 1, 0)
    sheet.hide_gridlines(0)
    del last_col


def _escape(text):
    return (text or "").replace("&", "&&")


def _columns(sheet, columns):
    for col, (_header, _kind, width) in enumerate(columns):
        sheet.set_column(col, col, width)


def _write_cell(sheet, row, col, kind, value, formats):
    if value is None or value is False or value == "":
        sheet.write_blank(row, col, None, formats[kind if kind in formats else TEXT])
        return
    if kind == AMOUNT:
        sheet.write_number(row, col, value / 100, formats[AMOUNT])
    elif kind == INTEGER:
        sheet.write_number(row, col, int(value), formats[INTEGER])
    elif kind == RATE:
        sheet.write_number(row, col, float(value), formats[RATE])
    elif kind in (DATETIME, DATE) and isinstance(value, (date, datetime)):
        sheet.write_datetime(row, col, value, formats[kind])
    else:
        sheet.write_string(row, col, str(value), formats[TEXT])


def _write_summary(workbook, formats, data):
    sheet = workbook.add_worksheet("汇总")
    _columns(sheet, SUMMARY_COLUMNS)
    sheet.write_string(0, 0, data.title, formats["title"])
    sheet.write_string(1, 0, f"{data.company}  {data.period}  {data.generated}".strip(), formats["subtitle"])
    header_row = 3
    for col, (header, _kind, _width) in enumerate(SUMMARY_COLUMNS):
        sheet.write_string(header_row, col, header, formats["header"])
    row = header_row
    for item in data.summary:
        row += 1
        if item.section:
            sheet.write_string(row, 0, item.label, formats["section"])
            for col in range(1, len(SUMMARY_COLUMNS)):
                sheet.write_blank(row, col, None, formats["section"])
            continue
        sheet.write_string(row, 0, item.label, formats[TEXT])
        _write_cell(sheet, row, 1, AMOUNT, item.bill, formats)
        _write_cell(sheet, row, 2, AMOUNT, item.odoo, formats)
        if item.bill is not None and item.odoo is not None:
            # A live formula with its value cached, so readers that do not compute see it too.
            sheet.write_formula(
                row, 3, f"=B{row + 1}-C{row + 1}", formats["amount_bold"], (item.bill - item.odoo) / 100
            )
        else:
            sheet.write_blank(row, 3, None, formats[AMOUNT])
        sheet.write_string(row, 4, item.note or "", formats[TEXT])
    _print_setup(sheet, data, header_row, len(SUMMARY_COLUMNS) - 1)
    sheet.freeze_panes(header_row + 1, 1)
    return row - header_row


def _write_table(workbook, formats, name, columns, rows, data, total_from=None):
    """A sheet with a header row and one row per item; optional totals of amount columns from ``total_from``."""
    sheet = workbook.add_worksheet(name)
    _columns(sheet, columns)
    for col, (header, _kind, _width) in enumerate(columns):
        sheet.write_string(0, col, header, formats["header"])
    row = 0
    totals = [0] * len(columns)
    for values in rows:
        row += 1
        for col, (_header, kind, _width) in enumerate(columns):
            value = values[col] if col < len(values) else None
            _write_cell(sheet, row, col, kind, value, formats)
            if kind == AMOUNT and isinstance(value, int):
                totals[col] += value
    if total_from is not None and row:
        total_row = row + 1
        sheet.write_string(total_row, 0, "合计", formats["total_label"])
        for col in range(1, len(columns)):
            kind = columns[col][1]
            if kind == AMOUNT and col >= total_from:
                letter = xlsxwriter.utility.xl_col_to_name(col)
                sheet.write_formula(
                    total_row, col, f"=SUM({letter}2:{letter}{row + 1})", formats["total"], totals[col] / 100
                )
            else:
                sheet.write_blank(total_row, col, None, formats["total_label"])
    if row:
        sheet.autofilter(0, 0, row, len(columns) - 1)
    _print_setup(sheet, data, 0, len(columns) - 1)
    return row
