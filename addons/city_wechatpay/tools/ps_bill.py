# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WeChat Pay's profit-sharing bill (分账账单, ``GET /v3/profitsharing/bills``): parsed and
reconciled against the suite's shares and returns (plain Python, fen)."""

import csv
import io
from collections import namedtuple
from decimal import Decimal, InvalidOperation

PsLine = namedtuple("PsLine", "out_no receiver amount kind")  # kind: share, return, unfreeze
Difference = namedtuple("Difference", "cause out_no receiver bill_amount odoo_amount")

KINDS = {"分账": "share", "回退": "return", "解冻给分账方": "unfreeze"}
COLUMNS = ("商户分账/回退单号", "分账接收方", "动账金额", "动账类型")


class PsBillError(ValueError):
    pass


def _cell(value):
    return (value or "").strip().lstrip("`").strip()


def parse(content):
    """The movement lines of a profit-sharing bill (UTF-8 with or without BOM, or GBK)."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PsBillError("the profit-sharing bill is neither UTF-8 nor GBK")
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise PsBillError("the profit-sharing bill is empty")
    header = [_cell(c) for c in rows[0]]
    try:
        index = [header.index(name) for name in COLUMNS]
    except ValueError as exc:
        raise PsBillError("the profit-sharing bill has no column %s" % exc) from exc
    lines = []
    for row in rows[1:]:
        if _cell(row[0]).startswith("总"):
            break
        out_no, receiver, amount, kind = (_cell(row[i]) if i < len(row) else "" for i in index)
        if kind not in KINDS:
            raise PsBillError("unknown movement type %s" % kind)
        try:
            fen = int((Decimal(amount) * 100).to_integral_exact())
        except InvalidOperation as exc:
            raise PsBillError("amount %s cannot be read" % amount) from exc
        lines.append(PsLine(out_no, receiver, fen, KINDS[kind]))
    return lines


def reconcile(bill_lines, odoo_lines):
    """Differences between the bill's lines and the suite's (both :class:`PsLine`),
    matched by (number, receiver, kind)."""

    def totals(lines):
        result = {}
        for line in lines:
            key = (line.out_no, line.receiver, line.kind)
            result[key] = result.get(key, 0) + line.amount
        return result

    bill, odoo = totals(bill_lines), totals(odoo_lines)
    differences = []
    for key in sorted(set(bill) | set(odoo)):
        if key not in odoo:
            differences.append(Difference("missing_in_odoo", key[0], key[1], bill[key], 0))
        elif key not in bill:
            differences.append(Difference("missing_in_bill", key[0], key[1], 0, odoo[key]))
        elif bill[key] != odoo[key]:
            differences.append(Difference("amount_mismatch", key[0], key[1], bill[key], odoo[key]))
    return differences
