# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import hashlib

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import from_fen

from ..engine import bill as billmod

BILL_TZ = "Asia/Shanghai"  # WeChat Pay bills are in Beijing time


def _to_utc(local):
    """A naive Beijing time of a bill as the naive UTC datetime Odoo stores."""
    return pytz.timezone(BILL_TZ).localize(local).astimezone(pytz.utc).replace(tzinfo=None)


class CityPaymentBill(models.Model):
    """A payment channel's daily bill, imported from its file (WeChat Pay or a generic CSV)."""

    _name = "city.payment.bill"
    _description = "Payment Channel Bill"
    _inherit = ["mail.thread"]
    _order = "bill_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    bill_format = fields.Selection(
        [("wechat", "WeChat Pay trade bill"), ("csv", "Generic CSV")], string="Format", required=True, readonly=True
    )
    bill_kind = fields.Selection(
        [("trade", "Trade Bill"), ("fund_flow", "Fund-Flow Bill")],
        string="Kind",
        default="trade",
        required=True,
        readonly=True,
        help="Trade bill: the channel's payments and refunds. Fund-flow bill: the movements of the channel "
        "account (payments received, fees, refunds, payouts, withdrawals).",
    )
    mapping_id = fields.Many2one("city.payment.bill.mapping", string="CSV Mapping", readonly=True, ondelete="restrict")
    provider_id = fields.Many2one(
        "payment.provider", string="Payment Provider", readonly=True, ondelete="restrict", check_company=True
    )
    channel = fields.Char(required=True, readonly=True, index=True)
    bill_date = fields.Date(readonly=True, index=True)
    date_from = fields.Datetime(string="First Trade", readonly=True)
    date_to = fields.Datetime(string="Last Trade", readonly=True)
    file_name = fields.Char(readonly=True)
    checksum = fields.Char(readonly=True, index=True, copy=False)
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True, ondelete="set null")
    line_ids = fields.One2many("city.payment.bill.line", "bill_id", string="Lines", readonly=True)
    fund_line_ids = fields.One2many("city.payment.fund.line", "bill_id", string="Movements", readonly=True)
    amount_payout = fields.Monetary(string="Payouts", readonly=True)
    amount_withdrawal = fields.Monetary(string="Withdrawals", readonly=True)
    line_count = fields.Integer(string="Trades", readonly=True)
    skipped_count = fields.Integer(string="Lines Already Imported", readonly=True)
    amount_paid = fields.Monetary(string="Payments", readonly=True)
    amount_refunded = fields.Monetary(string="Refunds", readonly=True)
    amount_fee = fields.Monetary(string="Channel Fees", readonly=True)
    amount_net = fields.Monetary(string="Net", readonly=True)
    summary_count = fields.Integer(string="Stated Trades", readonly=True)
    summary_amount = fields.Monetary(string="Stated Payments", readonly=True)
    summary_refund = fields.Monetary(string="Stated Refunds", readonly=True)
    summary_fee = fields.Monetary(string="Stated Fees", readonly=True)
    state = fields.Selection(
        [("imported", "Imported"), ("reconciled", "Reconciled"), ("difference", "Differences")],
        default="imported",
        required=True,
        readonly=True,
        tracking=True,
    )

    _sql_constraints = [
        ("checksum_company_unique", "UNIQUE(checksum, company_id)", "This bill file has already been imported.")
    ]

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------

    @api.model
    def _import_file(
        self, data, file_name=None, bill_format="wechat", mapping=None, provider=None, bill_kind="trade", bill_date=None
    ):
        """Import a bill file; the same file twice returns the first bill, and lines
        already imported from another file of the same channel are skipped.

        :param bytes data: the file's content
        :param mapping: a ``city.payment.bill.mapping`` for ``bill_format == "csv"``
        :param str bill_kind: ``trade`` (payments and refunds) or ``fund_flow`` (the
            channel account's movements: WeChat Pay's 资金账单)
        :param bill_date: the day the bill is of (default: the day of its first line)
        :return: the ``city.payment.bill``
        :raise UserError: the file cannot be read (with the line number)
        """
        if not data:
            raise UserError(_("The bill file is empty."))
        checksum = hashlib.sha256(data).hexdigest()
        existing = self.search([("checksum", "=", checksum), ("company_id", "=", self.env.company.id)], limit=1)
        if existing:
            return existing
        if bill_kind == "fund_flow":
            return self._import_fund_flow(data, checksum, file_name, bill_format, provider, bill_date)
        try:
            if bill_format == "wechat":
                parsed = billmod.parse_wechat_bill(data)
                channel = "wechat"
            elif bill_format == "csv":
                if not mapping:
                    raise UserError(_("Choose the CSV mapping of this bill."))
                parsed = billmod.parse_csv_bill(data, mapping._get_csv_mapping())
                channel = f"csv:{mapping.code}"
            else:
                raise UserError(_("Unknown bill format %s.", bill_format))
        except billmod.BillError as exc:
            if exc.line:
                raise UserError(
                    _("The bill cannot be read (line %(line)s): %(error)s", line=exc.line, error=exc.detail)
                ) from exc
            raise UserError(_("The bill cannot be read: %s", exc.detail)) from exc
        if not parsed.lines:
            raise UserError(_("The bill has no trades."))
        return self._create_from_parsed(parsed, channel, data, checksum, file_name, mapping, provider, bill_date)

    @api.model
    def _create_from_parsed(self, parsed, channel, data, checksum, file_name, mapping, provider, bill_date=None):
        utc = _to_utc

        known = self._known_line_keys("city.payment.bill.line", channel, [line.key for line in parsed.lines])
        new_lines, seen = [], set()
        for line in parsed.lines:
            if line.key in known or line.key in seen:
                continue
            seen.add(line.key)
            new_lines.append(line)
        totals = billmod.Bill(parsed.format, new_lines).totals()
        summary = parsed.summary
        first_local = parsed.date_from
        label = _("WeChat Pay bill") if parsed.format == "wechat" else (mapping.name if mapping else _("CSV bill"))
        bill = self.create(
            {
                "name": f"{label} {(bill_date or first_local.date()).isoformat()}",
                "bill_format": parsed.format,
                "mapping_id": mapping.id if mapping else False,
                "provider_id": provider.id if provider else False,
                "channel": channel,
                "bill_date": bill_date or first_local.date(),
                "date_from": utc(parsed.date_from),
                "date_to": utc(parsed.date_to),
                "file_name": file_name,
                "checksum": checksum,
                "line_count": len(new_lines),
                "skipped_count": len(parsed.lines) - len(new_lines),
                "amount_paid": from_fen(totals["amount"]),
                "amount_refunded": from_fen(totals["refund_amount"]),
                "amount_fee": from_fen(totals["fee"]),
                "amount_net": from_fen(totals["net"]),
                "summary_count": summary.count if summary else len(parsed.lines),
                "summary_amount": from_fen(summary.amount) if summary else 0,
                "summary_refund": from_fen(summary.refund_amount) if summary else 0,
                "summary_fee": from_fen(summary.fee) if summary else 0,
            }
        )
        bill.attachment_id = self.env["ir.attachment"].create(
            {
                "name": file_name or f"{bill.name}.csv",
                "raw": data,
                "res_model": bill._name,
                "res_id": bill.id,
                "mimetype": "text/csv",
            }
        )
        self.env["city.payment.bill.line"].create([bill._prepare_line_vals(line, utc(line.date)) for line in new_lines])
        return bill

    @api.model
    def _import_fund_flow(self, data, checksum, file_name, bill_format, provider, bill_date):
        """A fund-flow bill: its movements as ``city.payment.fund.line`` (WeChat Pay format)."""
        if bill_format != "wechat":
            raise UserError(_("Fund-flow bills are read in WeChat Pay's format only."))
        try:
            parsed = billmod.parse_wechat_fund_flow(data)
        except billmod.BillError as exc:
            if exc.line:
                raise UserError(
                    _("The bill cannot be read (line %(line)s): %(error)s", line=exc.line, error=exc.detail)
                ) from exc
            raise UserError(_("The bill cannot be read: %s", exc.detail)) from exc
        if not parsed.lines:
            raise UserError(_("The bill has no movements."))
        channel = "wechat"
        FundLine = self.env["city.payment.fund.line"]
        known = self._known_line_keys("city.payment.fund.line", channel, [line.key for line in parsed.lines])
        new_lines = [line for line in parsed.lines if line.key not in known]
        totals = billmod.FundFlowBill(parsed.format, new_lines).totals()
        by_category = totals["by_category"]
        day = bill_date or parsed.date_from.date()
        label = _("WeChat Pay fund-flow bill")
        bill = self.create(
            {
                "name": f"{label} {day.isoformat()}",
                "bill_kind": "fund_flow",
                "bill_format": parsed.format,
                "provider_id": provider.id if provider else False,
                "channel": channel,
                "bill_date": day,
                "date_from": _to_utc(parsed.date_from),
                "date_to": _to_utc(parsed.date_to),
                "file_name": file_name,
                "checksum": checksum,
                "line_count": len(new_lines),
                "skipped_count": len(parsed.lines) - len(new_lines),
                "amount_paid": from_fen(by_category["trade"]),
                "amount_refunded": from_fen(-by_category["refund"]),
                "amount_fee": from_fen(-by_category["fee"]),
                "amount_payout": from_fen(-by_category["payout"]),
                "amount_withdrawal": from_fen(-by_category["withdrawal"]),
                "amount_net": from_fen(totals["income"] - totals["expense"]),
                "summary_count": parsed.summary.count,
            }
        )
        bill.attachment_id = self.env["ir.attachment"].create(
            {
                "name": file_name or f"{bill.name}.csv",
                "raw": data,
                "res_model": bill._name,
                "res_id": bill.id,
                "mimetype": "text/csv",
            }
        )
        FundLine.create([bill._prepare_fund_line_vals(line) for line in new_lines])
        return bill

    @api.model
    def _known_line_keys(self, line_model, channel, keys):
        """The keys of ``keys`` already imported as lines of ``line_model`` in this company and channel."""
        Line = self.env[line_model]
        Line.flush_model(["company_id", "channel", "line_key"])
        self.env.cr.execute(
            SQL(
                "SELECT line_key FROM %s WHERE company_id = %s AND channel = %s AND line_key = ANY(%s)",
                SQL.identifier(Line._table),
                self.env.company.id,
                channel,
                keys,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _prepare_fund_line_vals(self, line):
        self.ensure_one()
        return {
            "bill_id": self.id,
            "company_id": self.company_id.id,
            "channel": self.channel,
            "line_key": line.key,
            "line_no": line.line_no,
            "date": _to_utc(line.date),
            "flow_reference": line.flow_reference,
            "channel_reference": line.channel_reference or False,
            "voucher": line.voucher or False,
            "business_name": line.business_name or False,
            "business_type": line.business_type or False,
            "category": line.category,
            "direction": line.direction,
            "amount": from_fen(line.amount),
            "signed_amount": from_fen(line.signed_amount),
            "balance": from_fen(line.balance),
            "applicant": line.applicant or False,
            "note": line.note or False,
        }

    def _prepare_line_vals(self, line, date_utc):
        self.ensure_one()
        return {
            "bill_id": self.id,
            "company_id": self.company_id.id,
            "channel": self.channel,
            "line_key": line.key,
            "line_no": line.line_no,
            "date": date_utc,
            "kind": line.kind,
            "reference": line.reference,
            "channel_reference": line.channel_reference or False,
            "refund_reference": line.refund_reference or False,
            "channel_refund_reference": line.channel_refund_reference or False,
            "amount": from_fen(line.amount),
            "refund_amount": from_fen(line.refund_amount),
            "fee": from_fen(line.fee),
            "fee_rate": float(line.fee_rate * 100) if line.fee_rate is not None else 0.0,
            "status": line.status,
            "refund_status": line.refund_status or False,
            "trade_type": line.trade_type or False,
            "description": line.description or False,
            "payer": line.payer or False,
        }

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_reconcile(self):
        """Reconcile the days this bill covers and open the reconciliation."""
        access.check_groups(self.env, access.ACCOUNTANT)
        self.ensure_one()
        self.check_access("write")
        tz = pytz.timezone(BILL_TZ)
        local_from = pytz.utc.localize(self.date_from).astimezone(tz).date()
        local_to = pytz.utc.localize(self.date_to).astimezone(tz).date()
        run = self.env["city.reconciliation"]._get_or_create(
            local_from, local_to, provider=self.provider_id, company=self.company_id
        )
        run.action_reconcile()
        return run._get_form_action()

    def action_view_lines(self):
        access.check_groups(self.env, *access.PLATFORM)
        self.ensure_one()
        self.check_access("read")
        fund_flow = self.bill_kind == "fund_flow"
        return {
            "type": "ir.actions.act_window",
            "name": _("Movements") if fund_flow else _("Bill Lines"),
            "res_model": "city.payment.fund.line" if fund_flow else "city.payment.bill.line",
            "view_mode": "list,form",
            "domain": [("bill_id", "=", self.id)],
            "context": {"default_bill_id": self.id},
        }
