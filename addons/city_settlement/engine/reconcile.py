# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Matching a channel bill against the payments Odoo recorded (plain Python, no ORM).

Bill lines and ledger entries are grouped by the merchant order reference
(WeChat's 商户订单号 is the ``payment.transaction`` reference Odoo sent) — or,
when a bill line's reference is unknown, by the channel's transaction id. For
each reference the bill's payments, refunds and fees are compared with the
ledger's, and every difference gets one cause:

``missing_in_odoo``   the bill has the reference, Odoo has nothing for it
``missing_in_bill``   Odoo has the reference, the bill has nothing for it
``amount_mismatch``   both have it, the paid amounts differ
``refund_mismatch``   both have it, the refunded amounts differ
``fee_mismatch``      the channel fee differs from the expected fee (the
                      ledger's, or the contract rate applied to the amounts)

A reference may have several differences (e.g. amount and fee). All amounts
are integer fen.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .bill import FLOW_FEE, FLOW_PAYOUT, FLOW_REFUND, FLOW_TRADE, FLOW_WITHDRAWAL, PAYMENT, REFUND

MISSING_IN_ODOO = "missing_in_odoo"
MISSING_IN_BILL = "missing_in_bill"
AMOUNT_MISMATCH = "amount_mismatch"
FEE_MISMATCH = "fee_mismatch"
REFUND_MISMATCH = "refund_mismatch"
CAUSES = (MISSING_IN_ODOO, MISSING_IN_BILL, AMOUNT_MISMATCH, FEE_MISMATCH, REFUND_MISMATCH)


@dataclass
class LedgerEntry:
    """A payment or refund as Odoo recorded it.

    :param reference: the merchant order reference sent to the channel (for a
        refund: the reference of the payment it refunds)
    :param kind: ``payment`` or ``refund``
    :param amount: fen, positive (a refund's refunded amount)
    :param fee: the expected channel fee in fen when Odoo knows it (``None``:
        derived from the fee rate)
    """

    reference: str
    kind: str
    amount: int
    ref_id: object = None
    channel_reference: str = ""
    refund_reference: str = ""
    fee: int | None = None


@dataclass
class Difference:
    cause: str
    reference: str
    bill_amount: int  # the compared bill figure (paid, refunded or fee)
    ledger_amount: int  # the compared Odoo figure
    bill_lines: tuple = ()  # BillLine.line_no of the reference's bill lines
    ledger_ids: tuple = ()  # LedgerEntry.ref_id of the reference's ledger entries

    @property
    def amount(self):
        """Bill minus Odoo."""
        return self.bill_amount - self.ledger_amount


@dataclass
class Match:
    """Everything known about one reference, and whether it reconciles."""

    reference: str
    bill_lines: list = field(default_factory=list)
    ledger: list = field(default_factory=list)
    bill_paid: int = 0
    bill_refunded: int = 0
    bill_fee: int = 0
    ledger_paid: int = 0
    ledger_refunded: int = 0
    expected_fee: int | None = None
    causes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.causes


@dataclass
class Reconciliation:
    matches: list
    differences: list

    def totals(self):
        """Side-by-side totals in fen (bill vs Odoo) and the differences by cause."""
        by_cause = dict.fromkeys(CAUSES, 0)
        count_by_cause = dict.fromkeys(CAUSES, 0)
        for diff in self.differences:
            by_cause[diff.cause] += diff.amount
            count_by_cause[diff.cause] += 1
        return {
            "bill_paid": sum(m.bill_paid for m in self.matches),
            "bill_refunded": sum(m.bill_refunded for m in self.matches),
            "bill_fee": sum(m.bill_fee for m in self.matches),
            "ledger_paid": sum(m.ledger_paid for m in self.matches),
            "ledger_refunded": sum(m.ledger_refunded for m in self.matches),
            "expected_fee": sum(m.expected_fee or 0 for m in self.matches),
            "matched": sum(1 for m in self.matches if m.ok),
            "differences": len(self.differences),
            "difference_by_cause": by_cause,
            "count_by_cause": count_by_cause,
        }


def fee_for(amount, rate):
    """The channel fee in fen for ``amount`` fen at ``rate`` (0.006 = 0.6%), half up, as WeChat rounds."""
    return int((Decimal(amount) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def reconcile(bill_lines, ledger_entries, fee_rate=None, check_fees=True):
    """Pair bill lines with ledger entries by reference and list every difference.

    :param bill_lines: :class:`~.bill.BillLine` list
    :param ledger_entries: :class:`LedgerEntry` list (the period's payments and
        refunds, plus any the caller looked up for references of the bill)
    :param fee_rate: the contract's fee rate (``Decimal("0.006")``); ``None``
        uses the rate printed on each bill line
    :param check_fees: compare fees at all
    :return: :class:`Reconciliation` with one :class:`Match` per reference (in
        order of first appearance: bill first, then Odoo-only ones) and the
        differences in the same order
    """
    matches = {}
    by_channel_ref = {}
    for entry in ledger_entries:
        match = matches.setdefault(entry.reference, Match(entry.reference))
        match.ledger.append(entry)
        if entry.kind == PAYMENT and entry.channel_reference:
            by_channel_ref[entry.channel_reference] = entry.reference

    bill_order = []
    for line in bill_lines:
        reference = line.reference
        if reference not in matches and line.channel_reference in by_channel_ref:
            reference = by_channel_ref[line.channel_reference]
        match = matches.setdefault(reference, Match(reference))
        if not match.bill_lines:
            bill_order.append(reference)
        match.bill_lines.append(line)

    ordered = bill_order + [ref for ref in matches if not matches[ref].bill_lines]
    differences = []
    for reference in ordered:
        match = matches[reference]
        _compare(match, fee_rate, check_fees)
        differences.extend(_differences(match))
    return Reconciliation([matches[ref] for ref in ordered], differences)


def _compare(match, fee_rate, check_fees):
    paid = [line for line in match.bill_lines if line.kind == PAYMENT]
    refunds = [line for line in match.bill_lines if line.kind == REFUND]
    match.bill_paid = sum(line.amount for line in paid)
    match.bill_refunded = sum(line.refund_amount for line in refunds)
    match.bill_fee = sum(line.fee for line in match.bill_lines)
    match.ledger_paid = sum(e.amount for e in match.ledger if e.kind == PAYMENT)
    match.ledger_refunded = sum(e.amount for e in match.ledger if e.kind == REFUND)

    if not match.ledger:
        match.causes.append(MISSING_IN_ODOO)
        return
    if not match.bill_lines:
        match.causes.append(MISSING_IN_BILL)
        return
    if match.bill_paid != match.ledger_paid:
        match.causes.append(AMOUNT_MISMATCH)
    if match.bill_refunded != match.ledger_refunded:
        match.causes.append(REFUND_MISMATCH)
    if check_fees:
        match.expected_fee = _expected_fee(match, paid, refunds, fee_rate)
        if match.expected_fee is not None and match.expected_fee != match.bill_fee:
            match.causes.append(FEE_MISMATCH)


def _expected_fee(match, paid, refunds, fee_rate):
    """The fee the bill should show: Odoo's own figure, else the rate on each line's amount.

    WeChat charges the fee on each payment and gives back the fee of each refund,
    both rounded to the fen; the expected fee follows the bill's lines but uses
    Odoo's amounts (so an amount mismatch does not also read as a fee mismatch
    unless the fee itself is off).
    """
    ledger_fees = [e.fee for e in match.ledger if e.kind == PAYMENT and e.fee is not None]
    total = 0
    if ledger_fees:
        total += sum(ledger_fees)
    else:
        for line in paid:
            rate = fee_rate if fee_rate is not None else line.fee_rate
            if rate is None:
                return None
            total += fee_for(line.amount, rate)
    for line in refunds:
        rate = fee_rate if fee_rate is not None else line.fee_rate
        if rate is None:
            return None
        total -= fee_for(line.refund_amount, rate)
    return total


def _differences(match):
    lines = tuple(line.line_no for line in match.bill_lines)
    ids = tuple(e.ref_id for e in match.ledger)
    result = []
    for cause in match.causes:
        if cause == MISSING_IN_ODOO:
            bill, ledger = match.bill_paid - match.bill_refunded, 0
        elif cause == MISSING_IN_BILL:
            bill, ledger = 0, match.ledger_paid - match.ledger_refunded
        elif cause == AMOUNT_MISMATCH:
            bill, ledger = match.bill_paid, match.ledger_paid
        elif cause == REFUND_MISMATCH:
            bill, ledger = match.bill_refunded, match.ledger_refunded
        else:
            bill, ledger = match.bill_fee, match.expected_fee
        result.append(Difference(cause, match.reference, bill, ledger, lines, ids))
    return result


def group_totals(lines, key):
    """Sum bill lines' amount, refund and fee per ``key(line)`` (for summaries)."""
    totals = defaultdict(lambda: {"amount": 0, "refund_amount": 0, "fee": 0, "count": 0})
    for line in lines:
        bucket = totals[key(line)]
        bucket["amount"] += line.amount
        bucket["refund_amount"] += line.refund_amount
        bucket["fee"] += line.fee
        bucket["count"] += 1
    return dict(totals)


# ----------------------------------------------------------------------
# Fund-flow layer: fees and payouts
# ----------------------------------------------------------------------

FLOW_FEE_MISMATCH = "flow_fee_mismatch"  # fees charged on the account ≠ fees of the trade bill
BOOKED_FEE_MISMATCH = "booked_fee_mismatch"  # fees of the trade bill ≠ channel fees the settlement booked
PAYOUT_MISSING_IN_ODOO = "payout_missing_in_odoo"  # money sent out on the account, no payout in Odoo
PAYOUT_MISSING_IN_FLOW = "payout_missing_in_flow"  # a payout in Odoo that never left the account
PAYOUT_MISMATCH = "payout_mismatch"  # both have it, the amounts differ
FUND_FLOW_CAUSES = (
    FLOW_FEE_MISMATCH,
    BOOKED_FEE_MISMATCH,
    PAYOUT_MISSING_IN_ODOO,
    PAYOUT_MISSING_IN_FLOW,
    PAYOUT_MISMATCH,
)
FEES_REFERENCE = "FEES"  # the reference of a fee difference (the model shows a translated label)


@dataclass
class PayoutEntry:
    """A payout as Odoo recorded it: ``reference`` is the channel's or the merchant's own (out_order_no)."""

    reference: str
    amount: int  # fen, positive
    ref_id: object = None


@dataclass
class FundFlowReconciliation:
    """The fund-flow layer of a range: fees three ways, payouts by reference, and the differences."""

    flow_fee: int = 0  # net fees charged on the account (charged − given back)
    bill_fee: int = 0  # fees of the trade bill
    booked_fee: int = 0  # channel fees booked by the settlement
    fees_checked: bool = False  # the account is the one the trades land in (it has trade lines)
    flow_payout: int = 0  # money sent out as payouts (分账, 企业付款, 转账; returns deducted)
    odoo_payout: int = 0  # the payouts Odoo made through the channel
    withdrawals: int = 0  # money moved to the holder's own bank (提现): shown, never a difference
    flow_trade: int = 0
    flow_refund: int = 0
    matched_payouts: list = field(default_factory=list)  # (line_nos, ref_id)
    differences: list = field(default_factory=list)

    def totals(self):
        by_cause = dict.fromkeys(FUND_FLOW_CAUSES, 0)
        count_by_cause = dict.fromkeys(FUND_FLOW_CAUSES, 0)
        for diff in self.differences:
            by_cause[diff.cause] += diff.amount
            count_by_cause[diff.cause] += 1
        return {"differences": len(self.differences), "difference_by_cause": by_cause, "count_by_cause": count_by_cause}


def reconcile_fund_flow(flow_lines, bill_fee, booked_fee, payouts, check_booked_fee=True):
    """Compare a range's fund-flow movements with the trade bill's fees, the booked fees and the payouts.

    Fees are compared as totals of the range, and only when the account holds the
    trades (it has trade movements: a service provider's own account does not).
    Payout movements are paired with ``payouts`` by reference (the payout's
    reference is the movement's 业务凭证号, 微信支付业务单号 or 资金流水单号);
    withdrawals to the holder's own bank are totalled, never differences.

    :param flow_lines: :class:`~.bill.FundFlowLine` list (``line_no`` identifies them to the caller)
    :param int bill_fee: the fees of the range's trade bill lines (fen)
    :param int booked_fee: the channel fees the settlement booked for the range (fen)
    :param payouts: :class:`PayoutEntry` list (the range's payouts made through the channel)
    :return: :class:`FundFlowReconciliation`
    """
    result = FundFlowReconciliation(bill_fee=bill_fee, booked_fee=booked_fee)
    fee_lines = [line for line in flow_lines if line.category == FLOW_FEE]
    result.flow_fee = -sum(line.signed_amount for line in fee_lines)
    result.flow_trade = sum(line.signed_amount for line in flow_lines if line.category == FLOW_TRADE)
    result.flow_refund = -sum(line.signed_amount for line in flow_lines if line.category == FLOW_REFUND)
    result.withdrawals = -sum(line.signed_amount for line in flow_lines if line.category == FLOW_WITHDRAWAL)
    result.fees_checked = any(line.category == FLOW_TRADE for line in flow_lines)
    if result.fees_checked:
        fee_nos = tuple(line.line_no for line in fee_lines)
        if result.flow_fee != bill_fee:
            result.differences.append(Difference(FLOW_FEE_MISMATCH, FEES_REFERENCE, result.flow_fee, bill_fee, fee_nos))
        if check_booked_fee and bill_fee != booked_fee:
            result.differences.append(Difference(BOOKED_FEE_MISMATCH, FEES_REFERENCE, bill_fee, booked_fee))

    by_reference = {}
    for payout in payouts:
        by_reference.setdefault(payout.reference or "", []).append(payout)
    groups = {}  # reference -> movements
    order = []
    for line in flow_lines:
        if line.category not in (FLOW_PAYOUT, FLOW_WITHDRAWAL):
            continue
        reference = next(
            (ref for ref in (line.voucher, line.channel_reference, line.flow_reference) if ref and ref in by_reference),
            None,
        )
        if reference is None:
            if line.category == FLOW_WITHDRAWAL:
                continue  # the holder's own money to its bank
            reference = line.voucher or line.channel_reference or line.flow_reference
        if reference not in groups:
            groups[reference] = []
            order.append(reference)
        groups[reference].append(line)
    result.flow_payout = sum(-line.signed_amount for lines in groups.values() for line in lines)
    result.odoo_payout = sum(payout.amount for payout in payouts)
    for reference in order:
        lines = groups[reference]
        flow_amount = -sum(line.signed_amount for line in lines)
        nos = tuple(line.line_no for line in lines)
        entries = by_reference.get(reference, [])
        if any(line.category == FLOW_WITHDRAWAL for line in lines):
            result.withdrawals -= flow_amount  # paired with a payout: counted as a payout, not a withdrawal
        if not entries:
            result.differences.append(Difference(PAYOUT_MISSING_IN_ODOO, reference, flow_amount, 0, nos))
            continue
        odoo_amount = sum(payout.amount for payout in entries)
        ids = tuple(payout.ref_id for payout in entries)
        if flow_amount != odoo_amount:
            result.differences.append(Difference(PAYOUT_MISMATCH, reference, flow_amount, odoo_amount, nos, ids))
        else:
            result.matched_payouts.append((nos, ids))
    for reference, entries in by_reference.items():
        if reference not in groups:
            amount = sum(payout.amount for payout in entries)
            ids = tuple(payout.ref_id for payout in entries)
            result.differences.append(Difference(PAYOUT_MISSING_IN_FLOW, reference, 0, amount, (), ids))
    return result
