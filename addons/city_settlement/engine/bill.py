# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Parsing payment-channel bills (plain Python, no ORM in here).

Two formats:

- WeChat Pay's daily trade bill (微信支付交易账单), type ``ALL``: a header row,
  one row per trade (payments and refunds), then a summary header row and a
  summary row. Every cell of the detail and summary rows starts with a
  backquote (`````), which is removed. The file is UTF-8 (with or without BOM)
  or GBK/GB18030 when saved from Excel. Amounts are yuan (fees with up to five
  decimals); they are converted to integer fen here.
- A generic CSV described by a :class:`CsvMapping` (column names for date,
  reference, amount, fee, refund amount and type).

Both give a :class:`Bill`: lines (:class:`BillLine`, amounts in fen) and, for
WeChat bills, the summary totals (:class:`BillSummary`), checked against the
lines.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from odoo.addons.city_base.tools.allocation import to_fen

PAYMENT = "payment"
REFUND = "refund"

WECHAT_ALL_COLUMNS = (
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
)
# Columns a bill must have to be read (older bills lack 订单金额/申请退款金额/费率备注).
WECHAT_REQUIRED_COLUMNS = ("交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "退款金额", "手续费")
WECHAT_SUMMARY_COLUMNS = (
    "总交易单数",
    "应结订单总金额",
    "退款总金额",
    "充值券退款总金额",
    "手续费总金额",
    "订单总金额",
    "申请退款总金额",
)
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
EMPTY_REFS = ("", "0")


class BillError(ValueError):
    """A bill that cannot be read; ``line`` is the 1-based line number of the file, when known."""

    def __init__(self, message, line=None):
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line
        self.detail = message


@dataclass
class BillLine:
    """One trade of a bill. Amounts are integer fen; refunds carry positive ``refund_amount``."""

    line_no: int
    date: datetime
    kind: str  # PAYMENT or REFUND
    reference: str  # the merchant's order reference (商户订单号, out_trade_no)
    channel_reference: str = ""  # the channel's transaction id (微信订单号)
    refund_reference: str = ""  # the merchant's refund reference (商户退款单号)
    channel_refund_reference: str = ""  # 微信退款单号
    amount: int = 0  # settled order amount (应结订单金额) of a payment
    order_amount: int = 0  # order amount before coupons (订单金额)
    coupon_amount: int = 0  # 代金券金额
    refund_amount: int = 0  # refunded (退款金额)
    refund_requested: int = 0  # 申请退款金额
    stated_amount: int = 0  # 应结订单金额 as written (what the summary adds up)
    fee: int = 0  # channel fee in fen, negative on refunds (fee given back)
    fee_exact: Decimal = Decimal(0)  # the fee as written (yuan, up to 5 decimals)
    fee_rate: Decimal | None = None  # 0.006 for "0.60%"
    status: str = ""  # 交易状态: SUCCESS, REFUND, REVOKED…
    refund_status: str = ""
    trade_type: str = ""
    currency: str = "CNY"
    description: str = ""
    merchant_account: str = ""  # 商户号 / 特约商户号
    payer: str = ""  # 用户标识 (openid)
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def net_amount(self):
        """What the line moves: the payment, or minus the refund."""
        return self.amount - self.refund_amount

    @property
    def key(self):
        """A stable identity of the line within its channel (for idempotent imports)."""
        if self.kind == REFUND:
            return f"R:{self.channel_refund_reference or self.refund_reference or self.reference}"
        return f"P:{self.channel_reference or self.reference}"


@dataclass
class BillSummary:
    count: int = 0
    amount: int = 0  # 应结订单总金额
    refund_amount: int = 0  # 退款总金额
    coupon_refund_amount: int = 0  # 充值券退款总金额
    fee_exact: Decimal = Decimal(0)  # 手续费总金额 (as written)
    order_amount: int = 0  # 订单总金额
    refund_requested: int = 0  # 申请退款总金额

    @property
    def fee(self):
        return to_fen(self.fee_exact)


class _LineSpan:
    """The first and last date of a bill's lines."""

    @property
    def date_from(self):
        return min((line.date for line in self.lines), default=None)

    @property
    def date_to(self):
        return max((line.date for line in self.lines), default=None)


@dataclass
class Bill(_LineSpan):
    format: str
    lines: list
    summary: BillSummary | None = None

    def totals(self):
        """Totals of the lines in fen: count, amount, refund_amount, fee (net)."""
        return {
            "count": len(self.lines),
            "amount": sum(line.amount for line in self.lines),
            "refund_amount": sum(line.refund_amount for line in self.lines),
            "fee": sum(line.fee for line in self.lines),
            "net": sum(line.net_amount for line in self.lines),
        }


# ----------------------------------------------------------------------
# Low-level helpers
# ----------------------------------------------------------------------


def decode(data):
    """Text of a bill file: UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BillError("the file is neither UTF-8 nor GBK text")


def clean(cell):
    """A cell without WeChat's leading backquote and surrounding blanks."""
    cell = (cell or "").strip()
    if cell.startswith("`"):
        cell = cell[1:]
    return cell.strip()


def parse_decimal(text, what, line=None):
    """A decimal number from a bill cell: ``"1,234.50"``, ``"¥12.00"``, ``"-0.01"``, ``""`` (0)."""
    text = clean(text).replace(",", "").replace("¥", "").replace("￥", "").strip()
    if text in ("", "-"):
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise BillError(f"{what}: {text!r} is not an amount", line) from exc
    if not value.is_finite():
        raise BillError(f"{what}: {text!r} is not an amount", line)
    return value


def parse_amount(text, what, line=None):
    """Integer fen of a yuan amount cell (half up)."""
    return to_fen(parse_decimal(text, what, line))


def parse_rate(text, line=None):
    """``"0.60%"`` → ``Decimal("0.006")``; ``""`` → ``None``."""
    text = clean(text)
    if not text:
        return None
    percent = text.endswith("%")
    value = parse_decimal(text.rstrip("%"), "rate", line)
    return value / 100 if percent else value


def parse_date(text, what="date", line=None, formats=DATE_FORMATS):
    text = clean(text)
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise BillError(f"{what}: {text!r} is not a date", line)


def _rows(text, delimiter=","):
    """(line number, cells) of every non-empty row."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for row in reader:
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


# ----------------------------------------------------------------------
# WeChat Pay trade bill
# ----------------------------------------------------------------------


def parse_wechat_bill(data):
    """Parse a WeChat Pay daily trade bill (type ALL, SUCCESS or REFUND).

    :param data: the file's bytes (or text)
    :return: :class:`Bill` with ``format == "wechat"``; the lines' totals are
        checked against the summary rows (a mismatch raises :class:`BillError`)
    """
    rows = list(_rows(decode(data)))
    if not rows:
        raise BillError("the bill is empty")
    header_at = next((i for i, (_n, row) in enumerate(rows) if clean(row[0]) == "交易时间"), None)
    if header_at is None:
        raise BillError("no WeChat Pay bill header (交易时间,公众账号ID,…) found")
    header = [clean(cell) for cell in rows[header_at][1]]
    missing = [name for name in WECHAT_REQUIRED_COLUMNS if name not in header]
    if missing:
        raise BillError(f"the header lacks the columns {', '.join(missing)}", rows[header_at][0])
    index = {name: i for i, name in enumerate(header) if name}

    lines, summary = [], None
    body = rows[header_at + 1 :]
    for position, (line_no, row) in enumerate(body):
        first = clean(row[0])
        if first == "总交易单数":
            summary = _parse_wechat_summary(row, body[position + 1] if position + 1 < len(body) else None, line_no)
            break
        if len(row) < len(header):
            raise BillError(f"{len(row)} columns instead of {len(header)}", line_no)
        lines.append(_parse_wechat_line(line_no, {name: row[i] for name, i in index.items()}))
    if summary is None:
        raise BillError("the bill has no summary (总交易单数,…): it may be truncated")
    _check_summary(lines, summary)
    return Bill("wechat", lines, summary)


def _parse_wechat_line(line_no, cells):
    def get(name):
        return clean(cells.get(name, ""))

    status = get("交易状态").upper()
    refund_amount = parse_amount(cells.get("退款金额"), "退款金额", line_no)
    channel_refund = get("微信退款单号")
    is_refund = status == "REFUND" or (channel_refund not in EMPTY_REFS and refund_amount)
    reference = get("商户订单号")
    if not reference:
        raise BillError("no merchant order reference (商户订单号)", line_no)
    fee_exact = parse_decimal(cells.get("手续费"), "手续费", line_no)
    amount = parse_amount(cells.get("应结订单金额"), "应结订单金额", line_no)
    return BillLine(
        line_no=line_no,
        date=parse_date(cells.get("交易时间"), "交易时间", line_no),
        kind=REFUND if is_refund else PAYMENT,
        reference=reference,
        channel_reference=get("微信订单号"),
        refund_reference="" if get("商户退款单号") in EMPTY_REFS else get("商户退款单号"),
        channel_refund_reference="" if channel_refund in EMPTY_REFS else channel_refund,
        # A refund line repeats the order's amounts in some bill versions: only its refund counts.
        amount=0 if is_refund else amount,
        stated_amount=amount,
        order_amount=0 if is_refund else parse_amount(cells.get("订单金额"), "订单金额", line_no),
        coupon_amount=parse_amount(cells.get("代金券金额"), "代金券金额", line_no),
        refund_amount=refund_amount if is_refund else 0,
        refund_requested=parse_amount(cells.get("申请退款金额"), "申请退款金额", line_no) if is_refund else 0,
        fee=to_fen(fee_exact),
        fee_exact=fee_exact,
        fee_rate=parse_rate(cells.get("费率"), line_no),
        status=status,
        refund_status=get("退款状态").upper(),
        trade_type=get("交易类型"),
        currency=get("货币种类") or "CNY",
        description=get("商品名称"),
        merchant_account=get("特约商户号") if get("特约商户号") not in EMPTY_REFS else get("商户号"),
        payer=get("用户标识"),
        raw={name: clean(value) for name, value in cells.items()},
    )


def _parse_wechat_summary(header_row, value_row, line_no):
    names = [clean(cell) for cell in header_row]
    if value_row is None:
        raise BillError("the summary header has no values", line_no)
    values = {name: value_row[1][i] if i < len(value_row[1]) else "" for i, name in enumerate(names)}
    value_line = value_row[0]

    def amount(name):
        return parse_amount(values.get(name, ""), name, value_line)

    try:
        count = int(parse_decimal(values.get("总交易单数", ""), "总交易单数", value_line))
    except (ValueError, ArithmeticError) as exc:
        raise BillError("总交易单数 is not a number", value_line) from exc
    return BillSummary(
        count=count,
        amount=amount("应结订单总金额"),
        refund_amount=amount("退款总金额"),
        coupon_refund_amount=amount("充值券退款总金额"),
        fee_exact=parse_decimal(values.get("手续费总金额", ""), "手续费总金额", value_line),
        order_amount=amount("订单总金额"),
        refund_requested=amount("申请退款总金额"),
    )


def _check_summary(lines, summary):
    checks = [
        ("总交易单数", len(lines), summary.count),
        ("应结订单总金额", sum(line.stated_amount for line in lines), summary.amount),
        ("退款总金额", sum(line.refund_amount for line in lines), summary.refund_amount),
        ("手续费总金额", sum(line.fee_exact for line in lines), summary.fee_exact),
    ]
    for name, found, stated in checks:
        if found != stated:
            raise BillError(f"the lines add up to {found} but the summary states {name} = {stated}")


# ----------------------------------------------------------------------
# Generic CSV
# ----------------------------------------------------------------------


@dataclass
class CsvMapping:
    """Where a generic CSV keeps each value: column names (or 0-based indexes).

    ``amount`` is the paid amount of payment lines; refunds are the lines whose
    ``type`` column is in ``refund_types``, or (without a type column) the lines
    with a non-zero ``refund_amount`` or a negative ``amount``.
    """

    date: str | int
    reference: str | int
    amount: str | int
    fee: str | int | None = None
    refund_amount: str | int | None = None
    type: str | int | None = None
    channel_reference: str | int | None = None
    refund_reference: str | int | None = None
    refund_types: tuple = ("refund", "退款", "REFUND")
    date_format: str | None = None
    delimiter: str = ","
    skip_rows: int = 0  # rows before the header
    amounts_in_fen: bool = False

    @classmethod
    def from_dict(cls, values):
        allowed = set(cls.__dataclass_fields__)
        # None, "" and False (an empty Odoo field) all mean "no such column".
        values = {
            key: value
            for key, value in (values or {}).items()
            if key in allowed and value is not None and value is not False and value != ""
        }
        if "refund_types" in values and isinstance(values["refund_types"], str):
            values["refund_types"] = tuple(t.strip() for t in values["refund_types"].split(",") if t.strip())
        for required in ("date", "reference", "amount"):
            if required not in values:
                raise BillError(f"the CSV mapping needs a column for {required}")
        return cls(**values)


def parse_csv_bill(data, mapping):
    """Parse a generic CSV bill with a :class:`CsvMapping` (or a dict of its fields)."""
    if isinstance(mapping, dict):
        mapping = CsvMapping.from_dict(mapping)
    rows = list(_rows(decode(data), mapping.delimiter or ","))[mapping.skip_rows :]
    if not rows:
        raise BillError("the file is empty")
    header_line, header = rows[0]
    header = [clean(cell) for cell in header]

    def column(spec, what, required=False):
        if spec is None:
            if required:
                raise BillError(f"no column for {what}", header_line)
            return None
        if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit() and spec not in header):
            position = int(spec)
            if position >= len(header):
                raise BillError(f"column {position} for {what} does not exist", header_line)
            return position
        if spec not in header:
            raise BillError(f"column {spec!r} for {what} not found in the header", header_line)
        return header.index(spec)

    cols = {
        "date": column(mapping.date, "date", True),
        "reference": column(mapping.reference, "reference", True),
        "amount": column(mapping.amount, "amount", True),
        "fee": column(mapping.fee, "fee"),
        "refund_amount": column(mapping.refund_amount, "refund amount"),
        "type": column(mapping.type, "type"),
        "channel_reference": column(mapping.channel_reference, "channel reference"),
        "refund_reference": column(mapping.refund_reference, "refund reference"),
    }
    refund_types = {t.lower() for t in mapping.refund_types}
    formats = (mapping.date_format,) if mapping.date_format else DATE_FORMATS
    lines = []
    for line_no, row in rows[1:]:

        def cell(name, row=row):
            position = cols[name]
            return clean(row[position]) if position is not None and position < len(row) else ""

        def money(name, line_no=line_no):
            if mapping.amounts_in_fen:
                return int(parse_decimal(cell(name), name, line_no))
            return parse_amount(cell(name), name, line_no)

        reference = cell("reference")
        if not reference:
            raise BillError("no reference", line_no)
        amount = money("amount")
        refund = money("refund_amount") if cols["refund_amount"] is not None else 0
        if cols["type"] is not None:
            is_refund = cell("type").lower() in refund_types
        else:
            is_refund = bool(refund) or amount < 0
        if is_refund:
            refund = abs(refund or amount)
            amount = 0
        fee_exact = parse_decimal(cell("fee"), "fee", line_no) if cols["fee"] is not None else Decimal(0)
        if mapping.amounts_in_fen:
            fee_exact = fee_exact / 100
        lines.append(
            BillLine(
                line_no=line_no,
                date=parse_date(cell("date"), "date", line_no, formats),
                kind=REFUND if is_refund else PAYMENT,
                reference=reference,
                channel_reference=cell("channel_reference"),
                refund_reference=cell("refund_reference"),
                amount=amount,
                stated_amount=amount,
                order_amount=amount,
                refund_amount=refund,
                refund_requested=refund,
                fee=to_fen(fee_exact),
                fee_exact=fee_exact,
                status="REFUND" if is_refund else "SUCCESS",
                raw={name: clean(row[i]) if i < len(row) else "" for i, name in enumerate(header)},
            )
        )
    return Bill("csv", lines, None)


# ----------------------------------------------------------------------
# WeChat Pay fund-flow bill
# ----------------------------------------------------------------------

WECHAT_FUND_FLOW_COLUMNS = (
    "记账时间",
    "微信支付业务单号",
    "资金流水单号",
    "业务名称",
    "业务类型",
    "收支类型",
    "收支金额(元)",
    "账户结余(元)",
    "资金变更提交申请人",
    "备注",
    "业务凭证号",
)
WECHAT_FUND_FLOW_REQUIRED = ("记账时间", "资金流水单号", "业务类型", "收支类型", "收支金额(元)")
WECHAT_FUND_FLOW_SUMMARY = ("资金流水总笔数", "收入笔数", "收入金额", "支出笔数", "支出金额")
INCOME = "income"
EXPENSE = "expense"
DIRECTIONS = {"收入": INCOME, "支出": EXPENSE, "INCOME": INCOME, "EXPENSE": EXPENSE}

# What a fund-flow line is, from its business name and type (业务名称 / 业务类型).
FLOW_TRADE = "trade"  # a payment received (交易)
FLOW_REFUND = "refund"  # a refund paid back (退款)
FLOW_FEE = "fee"  # the channel's fee charged (扣除交易手续费) or given back (退还手续费)
FLOW_PAYOUT = "payout"  # money sent to a merchant or receiver (分账, 分账回退, 企业付款, 商家转账)
FLOW_WITHDRAWAL = "withdrawal"  # money moved to the account holder's bank (提现)
FLOW_OTHER = "other"
FLOW_CATEGORIES = (FLOW_TRADE, FLOW_REFUND, FLOW_FEE, FLOW_PAYOUT, FLOW_WITHDRAWAL, FLOW_OTHER)
# First keyword found wins: a fee line's type names the trade it is charged on (扣除交易手续费).
FLOW_KEYWORDS = (
    ("手续费", FLOW_FEE),
    ("提现", FLOW_WITHDRAWAL),
    ("分账", FLOW_PAYOUT),
    ("企业付款", FLOW_PAYOUT),
    ("转账", FLOW_PAYOUT),
    ("退款", FLOW_REFUND),
    ("交易", FLOW_TRADE),
)


def classify_fund_flow(business_name, business_type):
    """The category (``FLOW_*``) of a fund-flow line from its 业务类型, else its 业务名称."""
    for text in (business_type or "", business_name or ""):
        for keyword, category in FLOW_KEYWORDS:
            if keyword in text:
                return category
    return FLOW_OTHER


@dataclass
class FundFlowLine:
    """One movement of the channel account. ``amount`` is positive fen; ``signed_amount`` is + in, − out."""

    line_no: int
    date: datetime
    flow_reference: str  # 资金流水单号 (unique per movement)
    direction: str  # INCOME or EXPENSE
    amount: int
    category: str = FLOW_OTHER
    channel_reference: str = ""  # 微信支付业务单号 (the trade, refund or payout at the channel)
    business_name: str = ""
    business_type: str = ""
    balance: int = 0  # 账户结余 after the movement
    applicant: str = ""  # 资金变更提交申请人
    note: str = ""  # 备注
    voucher: str = ""  # 业务凭证号 (the merchant's own reference: out_trade_no, out_order_no…)
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def signed_amount(self):
        return self.amount if self.direction == INCOME else -self.amount

    @property
    def key(self):
        """A stable identity of the movement within its channel (for idempotent imports)."""
        return f"F:{self.flow_reference}"


@dataclass
class FundFlowSummary:
    count: int = 0
    income_count: int = 0
    income_amount: int = 0
    expense_count: int = 0
    expense_amount: int = 0


@dataclass
class FundFlowBill(_LineSpan):
    format: str
    lines: list
    summary: FundFlowSummary | None = None

    def totals(self):
        """Totals in fen: count, income, expense, and the net (in − out) per category."""
        by_category = dict.fromkeys(FLOW_CATEGORIES, 0)
        for line in self.lines:
            by_category[line.category] += line.signed_amount
        return {
            "count": len(self.lines),
            "income": sum(line.amount for line in self.lines if line.direction == INCOME),
            "expense": sum(line.amount for line in self.lines if line.direction == EXPENSE),
            "by_category": by_category,
        }


def _fund_flow_header_name(cell):
    # Saved from Excel, the header may carry full-width brackets: 收支金额（元）.
    return clean(cell).replace("（", "(").replace("）", ")").replace(" ", "")


def parse_wechat_fund_flow(data):
    """Parse a WeChat Pay fund-flow bill (资金账单, account BASIC, OPERATION or FEES).

    Columns 记账时间, 微信支付业务单号, 资金流水单号, 业务名称, 业务类型, 收支类型,
    收支金额(元), 账户结余(元), 资金变更提交申请人, 备注, 业务凭证号 with backquoted
    cells, then the summary 资金流水总笔数, 收入笔数, 收入金额, 支出笔数, 支出金额.

    :param data: the file's bytes (or text)
    :return: :class:`FundFlowBill` with ``format == "wechat"``; the lines are
        checked against the summary (a mismatch raises :class:`BillError`)
    """
    rows = list(_rows(decode(data)))
    if not rows:
        raise BillError("the bill is empty")
    header_at = next((i for i, (_n, row) in enumerate(rows) if _fund_flow_header_name(row[0]) == "记账时间"), None)
    if header_at is None:
        raise BillError("no WeChat Pay fund-flow bill header (记账时间,微信支付业务单号,…) found")
    header = [_fund_flow_header_name(cell) for cell in rows[header_at][1]]
    missing = [name for name in WECHAT_FUND_FLOW_REQUIRED if name not in header]
    if missing:
        raise BillError(f"the header lacks the columns {', '.join(missing)}", rows[header_at][0])
    index = {name: i for i, name in enumerate(header) if name}

    lines, summary, seen = [], None, set()
    body = rows[header_at + 1 :]
    for position, (line_no, row) in enumerate(body):
        if _fund_flow_header_name(row[0]) == "资金流水总笔数":
            following = body[position + 1] if position + 1 < len(body) else None
            summary = _parse_fund_flow_summary(row, following, line_no)
            break
        if len(row) < len(header):
            raise BillError(f"{len(row)} columns instead of {len(header)}", line_no)
        line = _parse_fund_flow_line(line_no, {name: row[i] for name, i in index.items()})
        if line.flow_reference in seen:
            raise BillError(f"the movement {line.flow_reference} appears twice", line_no)
        seen.add(line.flow_reference)
        lines.append(line)
    if summary is None:
        raise BillError("the bill has no summary (资金流水总笔数,…): it may be truncated")
    _check_fund_flow_summary(lines, summary)
    return FundFlowBill("wechat", lines, summary)


def _parse_fund_flow_line(line_no, cells):
    def get(name):
        return clean(cells.get(name, ""))

    flow_reference = get("资金流水单号")
    if not flow_reference:
        raise BillError("no movement reference (资金流水单号)", line_no)
    direction = DIRECTIONS.get(get("收支类型"))
    if direction is None:
        raise BillError(f"收支类型: {get('收支类型')!r} is neither 收入 nor 支出", line_no)
    amount = parse_amount(cells.get("收支金额(元)"), "收支金额(元)", line_no)
    if amount < 0:
        # Some exports sign the expenses: the direction column says which way it went.
        amount = -amount
    business_name, business_type = get("业务名称"), get("业务类型")
    return FundFlowLine(
        line_no=line_no,
        date=parse_date(cells.get("记账时间"), "记账时间", line_no),
        flow_reference=flow_reference,
        direction=direction,
        amount=amount,
        category=classify_fund_flow(business_name, business_type),
        channel_reference=get("微信支付业务单号"),
        business_name=business_name,
        business_type=business_type,
        balance=parse_amount(cells.get("账户结余(元)"), "账户结余(元)", line_no),
        applicant=get("资金变更提交申请人"),
        note=get("备注"),
        voucher=get("业务凭证号"),
        raw={name: clean(value) for name, value in cells.items()},
    )


def _parse_fund_flow_summary(header_row, value_row, line_no):
    names = [_fund_flow_header_name(cell) for cell in header_row]
    if value_row is None:
        raise BillError("the summary header has no values", line_no)
    values = {name: value_row[1][i] if i < len(value_row[1]) else "" for i, name in enumerate(names)}
    value_line = value_row[0]

    def count(name):
        number = parse_decimal(values.get(name, ""), name, value_line)
        if number != number.to_integral_value():
            raise BillError(f"{name} is not a number", value_line)
        return int(number)

    return FundFlowSummary(
        count=count("资金流水总笔数"),
        income_count=count("收入笔数"),
        income_amount=parse_amount(values.get("收入金额", ""), "收入金额", value_line),
        expense_count=count("支出笔数"),
        expense_amount=parse_amount(values.get("支出金额", ""), "支出金额", value_line),
    )


def _check_fund_flow_summary(lines, summary):
    incomes = [line for line in lines if line.direction == INCOME]
    expenses = [line for line in lines if line.direction == EXPENSE]
    checks = [
        ("资金流水总笔数", len(lines), summary.count),
        ("收入笔数", len(incomes), summary.income_count),
        ("收入金额", sum(line.amount for line in incomes), summary.income_amount),
        ("支出笔数", len(expenses), summary.expense_count),
        ("支出金额", sum(line.amount for line in expenses), summary.expense_amount),
    ]
    for name, found, stated in checks:
        if found != stated:
            raise BillError(f"the lines add up to {found} but the summary states {name} = {stated}")
