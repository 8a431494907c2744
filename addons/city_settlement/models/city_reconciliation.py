# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import os
import tempfile
from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import zip_longest

import pytz

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import from_fen, to_fen

from ..engine.bill import PAYMENT, REFUND
from ..engine.reconcile import (
    CAUSES,
    FEES_REFERENCE,
    FUND_FLOW_CAUSES,
    LedgerEntry,
    PayoutEntry,
    reconcile,
    reconcile_fund_flow,
)
from ..report.reconciliation_xlsx import ReconciliationWorkbook, SummaryRow, write_workbook
from .city_payment_bill import BILL_TZ
from .city_settlement_allocation import ROLE_SELECTION

ROLE_COLUMNS = (
    "merchant",
    "platform_fee",
    "channel_fee",
    "commission",
    "franchise",
    "points",
    "coupon",
    "refund",
    "forfeit",
)
READ_BATCH = 2000


class CityReconciliation(models.Model):
    """Reconciliation of the channel bills of a date range with Odoo's payments.

    ``action_reconcile`` matches every bill line of the range with
    ``payment.transaction`` records (by reference, else by the channel's
    transaction id) and records each difference with its cause;
    ``action_download_xlsx`` writes the finance workbook for the range.
    """

    _name = "city.reconciliation"
    _description = "Payment Reconciliation"
    _inherit = ["mail.thread"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(required=True, index=True)
    date_to = fields.Date(required=True, index=True)
    provider_id = fields.Many2one(
        "payment.provider",
        string="Payment Provider",
        check_company=True,
        ondelete="restrict",
        help="Only this provider's transactions are compared; empty: every provider's.",
    )
    fee_rate = fields.Float(
        string="Contract Fee Rate (%)",
        digits=(8, 4),
        help="The channel's fee rate by contract, e.g. 0.6; 0 checks each line against the rate printed on the bill.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Reconciled")], default="draft", required=True, readonly=True, tracking=True
    )
    reconciled_on = fields.Datetime(readonly=True)
    difference_ids = fields.One2many("city.reconciliation.difference", "reconciliation_id", string="Differences")
    difference_count = fields.Integer(readonly=True)
    matched_count = fields.Integer(string="Matched References", readonly=True)
    bill_line_count = fields.Integer(string="Bill Lines", readonly=True)
    bill_paid = fields.Monetary(string="Bill Payments", readonly=True)
    bill_refunded = fields.Monetary(string="Bill Refunds", readonly=True)
    bill_fee = fields.Monetary(string="Bill Fees", readonly=True)
    odoo_paid = fields.Monetary(string="Odoo Payments", readonly=True)
    odoo_refunded = fields.Monetary(string="Odoo Refunds", readonly=True)
    expected_fee = fields.Monetary(string="Expected Fees", readonly=True)
    difference_amount = fields.Monetary(string="Net Difference", readonly=True)
    # The fund-flow layer (only when the range has fund-flow bills).
    fund_line_count = fields.Integer(string="Fund-Flow Movements", readonly=True)
    flow_fee = fields.Monetary(string="Fees on the Fund Flow", readonly=True)
    booked_fee = fields.Monetary(string="Booked Channel Fees", readonly=True)
    flow_fees_checked = fields.Boolean(
        string="Fees Compared",
        readonly=True,
        help="The fund flow is of the account the trades land in (it has payments received), so its fees "
        "are compared with the trade bill's and the booked ones.",
    )
    flow_payout = fields.Monetary(string="Payouts on the Fund Flow", readonly=True)
    odoo_payout = fields.Monetary(string="Payouts in Odoo", readonly=True)
    flow_withdrawal = fields.Monetary(string="Withdrawals", readonly=True)
    xlsx_attachment_id = fields.Many2one(
        "ir.attachment", string="Reconciliation Sheet", readonly=True, ondelete="set null"
    )

    _sql_constraints = [
        ("date_range_check", "CHECK(date_from <= date_to)", "The start date must not be after the end date.")
    ]

    @api.depends("date_from", "date_to")
    def _compute_name(self):
        for run in self:
            if run.date_from == run.date_to:
                run.name = _("Reconciliation %s", run.date_from)
            else:
                run.name = _("Reconciliation %(date_from)s – %(date_to)s", date_from=run.date_from, date_to=run.date_to)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _get_or_create(self, date_from, date_to, provider=None, company=None):
        """The reconciliation of ``company`` (default: the current one) for the range."""
        company = company or self.env.company
        run = self.search(
            [
                ("company_id", "=", company.id),
                ("date_from", "=", date_from),
                ("date_to", "=", date_to),
                ("provider_id", "=", provider.id if provider else False),
            ],
            limit=1,
        )
        return run or self.create(
            {
                "company_id": company.id,
                "date_from": date_from,
                "date_to": date_to,
                "provider_id": provider.id if provider else False,
            }
        )

    def _get_bounds(self):
        """The range as UTC datetimes [start, end): whole days in Beijing time."""
        self.ensure_one()
        tz = pytz.timezone(BILL_TZ)
        start = tz.localize(datetime.combine(self.date_from, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        end = tz.localize(datetime.combine(self.date_to + timedelta(days=1), time.min))
        return start, end.astimezone(pytz.utc).replace(tzinfo=None)

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def _get_bill_lines(self):
        """The period's bill lines of the company; of the provider's bills when a provider is set."""
        start, end = self._get_bounds()
        domain = [("company_id", "=", self.company_id.id), ("date", ">=", start), ("date", "<", end)]
        if self.provider_id:
            domain.append(("bill_id.provider_id", "in", [self.provider_id.id, False]))
        return self.env["city.payment.bill.line"].search(domain, order="date, id")

    def _get_transaction_domain(self):
        """Done payments and refunds of the company (and provider), whatever their date."""
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "done"),
            ("operation", "!=", "validation"),
        ]
        if self.provider_id:
            domain.append(("provider_id", "=", self.provider_id.id))
        return domain

    def _get_transactions(self, bill_lines):
        """The period's transactions, plus those of other days that the bill's lines refer to."""
        start, end = self._get_bounds()
        Transaction = self.env["payment.transaction"]
        domain = self._get_transaction_domain()
        transactions = Transaction.search(
            [*domain, ("last_state_change", ">=", start), ("last_state_change", "<", end)]
        )
        known = set(transactions.mapped("reference")) | set(transactions.source_transaction_id.mapped("reference"))
        missing = list({line.reference for line in bill_lines} - known)
        if missing:
            extra = Transaction.search(
                [*domain, "|", ("reference", "in", missing), ("source_transaction_id.reference", "in", missing)]
            )
            transactions |= extra
        return transactions

    @api.model
    def _transaction_to_entry(self, tx):
        if tx.operation == "refund":
            return LedgerEntry(
                reference=tx.source_transaction_id.reference or tx.reference,
                kind=REFUND,
                amount=abs(to_fen(tx.amount)),
                ref_id=tx.id,
                channel_reference=tx.provider_reference or "",
                refund_reference=tx.reference,
            )
        return LedgerEntry(
            reference=tx.reference,
            kind=PAYMENT,
            amount=to_fen(tx.amount),
            ref_id=tx.id,
            channel_reference=tx.provider_reference or "",
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_reconcile(self):
        """Match the range's bill lines with Odoo's transactions and record every difference."""
        access.check_groups(self.env, access.ACCOUNTANT)
        self.check_access("write")
        for run in self:
            run._reconcile()
        return True

    def _reconcile(self):
        self.ensure_one()
        bill_lines = self._get_bill_lines()
        transactions = self._get_transactions(bill_lines)
        entries = [self._transaction_to_entry(tx) for tx in transactions]
        line_by_no = {}
        engine_lines = []
        for line in bill_lines:
            engine_line = line._to_engine_line()
            engine_lines.append(engine_line)
            line_by_no[engine_line.line_no] = line
        fee_rate = Decimal(str(self.fee_rate)) / 100 if self.fee_rate else None
        result = reconcile(engine_lines, entries, fee_rate=fee_rate)
        fund_lines = self._get_fund_lines()
        result.fund_flow = self._reconcile_fund_flow(fund_lines, result) if fund_lines else None

        self.difference_ids.unlink()
        Line = self.env["city.payment.bill.line"]
        matched, differing = [], []
        for match in result.matches:
            ids = [line_by_no[bl.line_no].id for bl in match.bill_lines]
            payment_tx = next((e.ref_id for e in match.ledger if e.kind == PAYMENT), False)
            (matched if match.ok else differing).append((ids, payment_tx))
        for ids_list, state in ((matched, "matched"), (differing, "difference")):
            by_tx = {}
            for ids, tx_id in ids_list:
                by_tx.setdefault(tx_id, []).extend(ids)
            for tx_id, ids in by_tx.items():
                Line.browse(ids).write({"match_state": state, "transaction_id": tx_id})
        self.env["city.reconciliation.difference"].create(
            [
                {
                    "reconciliation_id": self.id,
                    "cause": diff.cause,
                    "reference": diff.reference,
                    "bill_amount": from_fen(diff.bill_amount),
                    "odoo_amount": from_fen(diff.ledger_amount),
                    "amount": from_fen(diff.amount),
                    "bill_line_ids": [Command.set([line_by_no[no].id for no in diff.bill_lines])],
                    "transaction_ids": [Command.set(list(diff.ledger_ids))],
                }
                for diff in result.differences
            ]
        )
        totals = result.totals()
        flow_differences = self._write_fund_flow(result.fund_flow, fund_lines)
        self.write(
            {
                "state": "done",
                "reconciled_on": fields.Datetime.now(),
                "difference_count": totals["differences"] + flow_differences,
                "matched_count": totals["matched"],
                "bill_line_count": len(bill_lines),
                "bill_paid": from_fen(totals["bill_paid"]),
                "bill_refunded": from_fen(totals["bill_refunded"]),
                "bill_fee": from_fen(totals["bill_fee"]),
                "odoo_paid": from_fen(totals["ledger_paid"]),
                "odoo_refunded": from_fen(totals["ledger_refunded"]),
                "expected_fee": from_fen(totals["expected_fee"]),
                "difference_amount": from_fen(sum(totals["difference_by_cause"].values())),
            }
        )
        bills = bill_lines.bill_id
        for bill in bills:
            lines = bill_lines.filtered(lambda line, bill=bill: line.bill_id == bill)
            bill.state = "difference" if any(line.match_state == "difference" for line in lines) else "reconciled"
        for bill in fund_lines.bill_id:
            lines = fund_lines.filtered(lambda line, bill=bill: line.bill_id == bill)
            bill.state = "difference" if any(line.match_state == "difference" for line in lines) else "reconciled"
        self.message_post(
            body=_(
                "Reconciled %(lines)s bill lines: %(matched)s references match, %(differences)s differences.",
                lines=len(bill_lines),
                matched=totals["matched"],
                differences=totals["differences"] + flow_differences,
            )
        )
        return result

    # ------------------------------------------------------------------
    # The fund-flow layer: fees and payouts
    # ------------------------------------------------------------------

    def _get_fund_lines(self):
        """The range's fund-flow movements of the company; of the provider's bills when a provider is set."""
        self.ensure_one()
        start, end = self._get_bounds()
        domain = [("company_id", "=", self.company_id.id), ("date", ">=", start), ("date", "<", end)]
        if self.provider_id:
            domain.append(("bill_id.provider_id", "in", [self.provider_id.id, False]))
        return self.env["city.payment.fund.line"].search(domain, order="date, id")

    def _get_booked_fee(self):
        """Channel fees the settlement booked for the range (fen): its ``channel_fee`` allocations
        (of the orders paid through the provider, when the reconciliation has one)."""
        self.ensure_one()
        domain = [
            ("company_id", "=", self.company_id.id),
            ("role", "=", "channel_fee"),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]
        if self.provider_id:
            # Fees of the orders this provider's channel was paid for: other channels charge their own.
            domain.append(("order_id.transaction_ids.provider_id", "=", self.provider_id.id))
        groups = self.env["city.settlement.allocation"]._read_group(domain, aggregates=["amount:sum"])
        return to_fen(groups[0][0] or 0) if groups else 0

    def _get_fund_flow_payouts(self):
        """Payouts of the range that leave through the payment channel (hook): every channel but the bank's,
        whose transfers leave from the company's bank account, not from the channel account."""
        return self._get_payouts().filtered(lambda payout: payout.channel != "bank")

    def _reconcile_fund_flow(self, fund_lines, result):
        """The fund-flow layer: :class:`~..engine.reconcile.FundFlowReconciliation` of the range."""
        self.ensure_one()
        payouts = self._get_fund_flow_payouts()
        return reconcile_fund_flow(
            [line._to_engine_line() for line in fund_lines],
            bill_fee=result.totals()["bill_fee"],
            booked_fee=self._get_booked_fee(),
            payouts=[PayoutEntry(p.reference or "", to_fen(p.amount), ref_id=p.id) for p in payouts],
        )

    def _write_fund_flow(self, flow, fund_lines):
        """Record the fund-flow layer's figures, matches and differences: the number of differences."""
        self.ensure_one()
        if flow is None:
            self.write(
                dict.fromkeys(
                    ("fund_line_count", "flow_fee", "booked_fee", "flow_payout", "odoo_payout", "flow_withdrawal"), 0
                )
                | {"flow_fees_checked": False}
            )
            return 0
        fund_lines.write({"match_state": "unmatched", "payout_id": False})
        Line = self.env["city.payment.fund.line"]
        for line_ids, payout_ids in flow.matched_payouts:
            Line.browse(line_ids).write({"match_state": "matched", "payout_id": payout_ids[0]})
        fees_label = _("Channel fees")
        self.env["city.reconciliation.difference"].create(
            [
                {
                    "reconciliation_id": self.id,
                    "cause": diff.cause,
                    "reference": fees_label if diff.reference == FEES_REFERENCE else diff.reference,
                    "bill_amount": from_fen(diff.bill_amount),
                    "odoo_amount": from_fen(diff.ledger_amount),
                    "amount": from_fen(diff.amount),
                    "fund_line_ids": [Command.set(list(diff.bill_lines))],
                    "payout_ids": [Command.set([i for i in diff.ledger_ids if i])],
                }
                for diff in flow.differences
            ]
        )
        differing = [no for diff in flow.differences for no in diff.bill_lines]
        Line.browse(differing).write({"match_state": "difference"})
        self.write(
            {
                "fund_line_count": len(fund_lines),
                "flow_fee": from_fen(flow.flow_fee),
                "booked_fee": from_fen(flow.booked_fee),
                "flow_fees_checked": flow.fees_checked,
                "flow_payout": from_fen(flow.flow_payout),
                "odoo_payout": from_fen(flow.odoo_payout),
                "flow_withdrawal": from_fen(flow.withdrawals),
            }
        )
        return len(flow.differences)

    def action_view_differences(self):
        access.check_groups(self.env, *access.PLATFORM)
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Differences"),
            "res_model": "city.reconciliation.difference",
            "view_mode": "list,form",
            "domain": [("reconciliation_id", "=", self.id)],
        }

    def action_download_xlsx(self):
        """Reconcile again, write the reconciliation sheet and download it."""
        access.check_groups(self.env, access.ACCOUNTANT)
        self.ensure_one()
        self.check_access("write")
        result = self._reconcile()
        attachment = self._create_xlsx_attachment(result)
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # The reconciliation sheet (XLSX)
    # ------------------------------------------------------------------

    def _create_xlsx_attachment(self, result):
        self.ensure_one()
        self._check_accountant()
        # The sheet covers every merchant's orders, payments and ledger: accountants only (checked above).
        data = self.sudo()._get_xlsx_data(result)
        handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="city-recon-")
        os.close(handle)
        try:
            write_workbook(path, data)
            with open(path, "rb") as file:
                raw = file.read()
        finally:
            os.unlink(path)
        file_name = f"对账单_{self.date_from}_{self.date_to}.xlsx"
        if self.xlsx_attachment_id:
            self.xlsx_attachment_id.write({"raw": raw, "name": file_name})
        else:
            self.xlsx_attachment_id = self.env["ir.attachment"].create(
                {
                    "name": file_name,
                    "raw": raw,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                }
            )
        return self.xlsx_attachment_id

    def _check_accountant(self):
        if not self.env.su and not self.env.user.has_group("city_base.group_accountant"):
            raise AccessError(_("Only accountants can read the ledger for a reconciliation."))

    def _get_ledger_totals(self):
        """Totals of escrow, allocations, payouts and the general ledger for the range (fen).

        Read through city_settlement's public models; sums with ``_read_group``.
        """
        self.ensure_one()
        start, end = self._get_bounds()
        company = self.company_id
        totals = {}
        escrow_groups = self.env["city.escrow"]._read_group(
            [("company_id", "=", company.id), ("paid_date", ">=", start), ("paid_date", "<", end)],
            aggregates=["amount_paid:sum"],
        )
        totals["escrow_in"] = to_fen(escrow_groups[0][0] or 0) if escrow_groups else 0
        allocation_domain = [
            ("company_id", "=", company.id),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]
        by_role = dict.fromkeys((role for role, _label in ROLE_SELECTION), 0)
        for role, amount in self.env["city.settlement.allocation"]._read_group(
            allocation_domain, groupby=["role"], aggregates=["amount:sum"]
        ):
            by_role[role] = to_fen(amount or 0)
        totals["by_role"] = by_role
        released = self.env["city.settlement.allocation"]._read_group(
            [*allocation_domain, ("movement", "=", "release")], aggregates=["amount:sum"]
        )
        totals["released"] = to_fen(released[0][0] or 0) if released else 0
        payouts = self._get_payouts()
        totals["payout_due"] = sum(to_fen(s.closing_balance) for s in payouts.settlement_id)
        # Statements paid (per-transaction shares are a channel's detail: the fund-flow layer pairs them).
        totals["payout_paid"] = sum(to_fen(p.amount) for p in payouts if p.settlement_id)
        totals["escrow_account_credit"] = None
        escrow_account = company.city_escrow_account_id
        if escrow_account:
            self._check_accountant()
            # Accountants of the suite reconcile the escrow account without Odoo's accounting rights.
            move_lines_sudo = self.env["account.move.line"].sudo()
            groups = move_lines_sudo._read_group(
                [
                    ("company_id", "=", company.id),
                    ("account_id", "=", escrow_account.id),
                    ("parent_state", "=", "posted"),
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date_to),
                ],
                aggregates=["credit:sum", "debit:sum"],
            )
            credit, debit = groups[0] if groups else (0, 0)
            totals["escrow_account_credit"] = to_fen(credit or 0)
            totals["escrow_account_debit"] = to_fen(debit or 0)
        return totals

    def _get_payouts(self):
        """Payouts made in the range: ``city.settlement.payout`` records by their date."""
        return self.env["city.settlement.payout"].search(
            [("company_id", "=", self.company_id.id), ("date", ">=", self.date_from), ("date", "<=", self.date_to)],
            order="date, id",
        )

    def _get_summary_rows(self, result, ledger):
        totals = result.totals()
        by_role = ledger["by_role"]
        rows = [
            SummaryRow("一、渠道账单 ↔ Odoo 支付交易", section=True),
            SummaryRow("收款", totals["bill_paid"], totals["ledger_paid"], "账单应结订单金额 ↔ 已完成的支付交易"),
            SummaryRow("退款", totals["bill_refunded"], totals["ledger_refunded"], "账单退款金额 ↔ 已完成的退款交易"),
            SummaryRow("手续费", totals["bill_fee"], totals["expected_fee"], "账单手续费 ↔ 按费率应收手续费"),
            SummaryRow(
                "净额",
                totals["bill_paid"] - totals["bill_refunded"],
                totals["ledger_paid"] - totals["ledger_refunded"],
                "收款 − 退款",
            ),
            SummaryRow("二、支付交易 ↔ 托管", section=True),
            SummaryRow("托管流入", totals["ledger_paid"], ledger["escrow_in"], "支付交易收款 ↔ 托管记录已付金额"),
        ]
        if ledger["escrow_account_credit"] is not None:
            rows.append(
                SummaryRow(
                    "托管入账（总账）",
                    ledger["escrow_in"],
                    ledger["escrow_account_credit"],
                    "托管记录 ↔ 托管科目贷方发生额",
                )
            )
        rows.append(SummaryRow("三、托管释放与分账（按角色）", section=True))
        role_total = 0
        for role, label in self._get_sheet_labels("city.settlement.allocation", "role").items():
            rows.append(SummaryRow(label, None, by_role.get(role, 0)))
            role_total += by_role.get(role, 0)
        rows.append(SummaryRow("分账合计", None, role_total))
        rows.append(SummaryRow("其中：核销释放", None, ledger["released"], "服务交付时从托管释放的分账"))
        rows.append(SummaryRow("四、退款", section=True))
        rows.append(
            SummaryRow("退款核对", totals["ledger_refunded"], abs(by_role.get("refund", 0)), "退款交易 ↔ 退款分账")
        )
        rows.append(SummaryRow("五、付款", section=True))
        rows.append(SummaryRow("商户付款", ledger["payout_due"], ledger["payout_paid"], "结算单应付 ↔ 已付款"))
        flow = getattr(result, "fund_flow", None)
        if flow is not None:
            rows.append(SummaryRow("六、资金账单：手续费与付款", section=True))
            if flow.fees_checked:
                rows.append(
                    SummaryRow(
                        "手续费（资金账单 ↔ 交易账单）",
                        flow.flow_fee,
                        flow.bill_fee,
                        "资金账单扣除手续费 ↔ 交易账单手续费",
                    )
                )
                rows.append(
                    SummaryRow(
                        "手续费（交易账单 ↔ 已入账）", flow.bill_fee, flow.booked_fee, "交易账单手续费 ↔ 分账渠道手续费"
                    )
                )
            else:
                rows.append(SummaryRow("手续费（资金账单）", flow.flow_fee, None, "该账户无交易收入：不核对手续费"))
            rows.append(
                SummaryRow("付款（资金账单 ↔ 付款记录）", flow.flow_payout, flow.odoo_payout, "分账/转账 ↔ 渠道付款")
            )
            rows.append(SummaryRow("提现", flow.withdrawals, None, "提现至本方银行账户，不计差异"))
        rows.append(SummaryRow("七、差异" if flow is not None else "六、差异", section=True))
        causes = self._get_sheet_labels("city.reconciliation.difference", "cause")
        for cause in CAUSES:
            count = totals["count_by_cause"][cause]
            rows.append(SummaryRow(causes[cause], totals["difference_by_cause"][cause], None, f"{count} 笔"))
        count_total, amount_total = totals["differences"], sum(totals["difference_by_cause"].values())
        if flow is not None:
            flow_totals = flow.totals()
            for cause in FUND_FLOW_CAUSES:
                count = flow_totals["count_by_cause"][cause]
                rows.append(SummaryRow(causes[cause], flow_totals["difference_by_cause"][cause], None, f"{count} 笔"))
            count_total += flow_totals["differences"]
            amount_total += sum(flow_totals["difference_by_cause"].values())
        rows.append(SummaryRow("差异合计", amount_total, None, f"{count_total} 笔"))
        return rows

    def _get_xlsx_data(self, result):
        ledger = self._get_ledger_totals()
        tz = pytz.timezone(BILL_TZ)
        period = f"{self.date_from} 至 {self.date_to}"
        now_local = pytz.utc.localize(fields.Datetime.now()).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        return ReconciliationWorkbook(
            title=f"{self.company_id.name} 支付对账单",
            period=period,
            company=self.company_id.name,
            generated=f"生成于 {now_local}",
            summary=self._get_summary_rows(result, ledger),
            transactions=self._iter_transaction_rows(result),
            allocations=self._iter_allocation_rows(),
            payouts=self._iter_payout_rows(),
            differences=self._iter_difference_rows(result),
        )

    def _get_sheet_lang(self):
        """The sheet is the operator's document: in the company's language (else the user's)."""
        return self.company_id.partner_id.lang or self.env.lang

    def _get_sheet_labels(self, model, field):
        """The translated labels of a selection field, in the sheet's language."""
        env = self.with_context(lang=self._get_sheet_lang()).env
        return dict(env[model]._fields[field]._description_selection(env))

    def _local(self, value):
        if not value:
            return None
        return pytz.utc.localize(value).astimezone(pytz.timezone(BILL_TZ)).replace(tzinfo=None)

    def _iter_transaction_rows(self, result):
        """One row per bill line paired with the Odoo transaction of the same kind (generator)."""
        Transaction = self.env["payment.transaction"].with_context(prefetch_fields=False)
        causes = self._get_sheet_labels("city.reconciliation.difference", "cause")
        pending = []

        def flush(rows):
            ids = {e.ref_id for _m, _bl, e, _label in rows if e is not None}
            txs = {tx.id: tx for tx in Transaction.browse(list(ids))}
            if txs:
                Transaction.browse(list(ids)).read(["reference", "last_state_change", "sale_order_ids"])
            for match, bill_line, entry, label in rows:
                tx = txs.get(entry.ref_id) if entry is not None else None
                yield (
                    match.reference,
                    (bill_line.channel_refund_reference or bill_line.channel_reference)
                    if bill_line
                    else (tx.provider_reference if tx else ""),
                    "退款" if (bill_line or entry).kind == REFUND else "收款",
                    bill_line.date if bill_line else None,
                    bill_line.amount if bill_line else None,
                    bill_line.refund_amount if bill_line else None,
                    bill_line.fee if bill_line else None,
                    tx.reference if tx else "",
                    self._local(tx.last_state_change) if tx else None,
                    entry.amount if entry is not None and entry.kind == PAYMENT else (0 if entry is not None else None),
                    entry.amount if entry is not None and entry.kind == REFUND else (0 if entry is not None else None),
                    ", ".join(tx.sale_order_ids.mapped("name")) if tx else "",
                    label,
                )
            Transaction.invalidate_model()

        for match in result.matches:
            label = "已匹配" if match.ok else "、".join(causes[c] for c in match.causes)
            for kind in (PAYMENT, REFUND):
                lines = [bl for bl in match.bill_lines if bl.kind == kind]
                entries = [e for e in match.ledger if e.kind == kind]
                for bill_line, entry in zip_longest(lines, entries):
                    pending.append((match, bill_line, entry, label))
            if len(pending) >= READ_BATCH:
                yield from flush(pending)
                pending = []
        if pending:
            yield from flush(pending)

    def _iter_allocation_rows(self):
        """Allocations of the range per merchant and role (one row per merchant)."""
        groups = self.env["city.settlement.allocation"]._read_group(
            [("company_id", "=", self.company_id.id), ("date", ">=", self.date_from), ("date", "<=", self.date_to)],
            groupby=["merchant_id", "role"],
            aggregates=["amount:sum", "__count"],
        )
        merchants = {}
        for merchant, role, amount, count in groups:
            row = merchants.setdefault(merchant, {"count": 0, **dict.fromkeys(ROLE_COLUMNS, 0)})
            column = "points" if role.startswith("points_") else "coupon" if role.startswith("coupon_") else role
            row[column] += to_fen(amount or 0)
            row["count"] += count
        for merchant in sorted(merchants, key=lambda m: m.display_name or ""):
            row = merchants[merchant]
            values = [row[column] for column in ROLE_COLUMNS]
            yield (merchant.display_name, *values, sum(values), row["count"])

    def _iter_payout_rows(self):
        cycles = dict(self.env["city.settlement"]._fields["cycle"]._description_selection(self.env))
        for payout in self._get_payouts():
            settlement = payout.settlement_id
            yield (
                settlement.name,
                settlement.merchant_id.display_name,
                cycles.get(settlement.cycle, settlement.cycle),
                settlement.date_from,
                settlement.date_to,
                to_fen(settlement.opening_balance),
                to_fen(settlement.amount_movements),
                to_fen(settlement.closing_balance),
                to_fen(payout.amount),
                payout.channel,
                payout.reference or "",
                payout.date,
            )

    def _iter_difference_rows(self, result):
        Transaction = self.env["payment.transaction"]
        BillLine = self.env["city.payment.bill.line"]
        causes = self._get_sheet_labels("city.reconciliation.difference", "cause")
        for diff in result.differences:
            references = Transaction.browse([i for i in diff.ledger_ids if i]).mapped("reference")
            lines = BillLine.browse(list(diff.bill_lines))
            yield (
                causes[diff.cause],
                diff.reference,
                diff.bill_amount,
                diff.ledger_amount,
                diff.amount,
                ", ".join(f"{line.bill_id.name} #{line.line_no}" for line in lines),
                ", ".join(references),
                "",
            )
        flow = getattr(result, "fund_flow", None)
        if flow is None:
            return
        FundLine = self.env["city.payment.fund.line"]
        Payout = self.env["city.settlement.payout"]
        fees_label = "手续费"
        for diff in flow.differences:
            lines = FundLine.browse(list(diff.bill_lines))
            yield (
                causes[diff.cause],
                fees_label if diff.reference == FEES_REFERENCE else diff.reference,
                diff.bill_amount,
                diff.ledger_amount,
                diff.amount,
                ", ".join(f"{line.bill_id.name} #{line.line_no}" for line in lines),
                ", ".join(Payout.browse([i for i in diff.ledger_ids if i]).mapped("display_name")),
                "资金账单",
            )
