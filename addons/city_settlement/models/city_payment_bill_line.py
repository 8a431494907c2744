# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from decimal import Decimal

from odoo import fields, models

from odoo.addons.city_base.tools.allocation import to_fen

from ..engine.bill import BillLine

MATCH_STATES = [("unmatched", "Not Reconciled"), ("matched", "Matched"), ("difference", "Difference")]


class CityPaymentBillLine(models.Model):
    """One trade (payment or refund) of a channel bill, amounts in the company currency."""

    _name = "city.payment.bill.line"
    _description = "Payment Channel Bill Line"
    _order = "date, id"
    _rec_name = "reference"

    bill_id = fields.Many2one("city.payment.bill", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="bill_id.currency_id")
    channel = fields.Char(required=True, readonly=True)
    line_key = fields.Char(required=True, readonly=True)
    line_no = fields.Integer(string="File Line", readonly=True)
    date = fields.Datetime(string="Trade Time", required=True, index=True, readonly=True)
    kind = fields.Selection([("payment", "Payment"), ("refund", "Refund")], required=True, readonly=True)
    reference = fields.Char(string="Order Reference", required=True, index=True, readonly=True)
    channel_reference = fields.Char(string="Channel Transaction ID", index="btree_not_null", readonly=True)
    refund_reference = fields.Char(readonly=True)
    channel_refund_reference = fields.Char(string="Channel Refund ID", readonly=True)
    amount = fields.Monetary(string="Paid", readonly=True)
    refund_amount = fields.Monetary(string="Refunded", readonly=True)
    fee = fields.Monetary(string="Channel Fee", readonly=True)
    fee_rate = fields.Float(string="Fee Rate (%)", digits=(8, 4), readonly=True)
    status = fields.Char(string="Trade Status", readonly=True)
    refund_status = fields.Char(readonly=True)
    trade_type = fields.Char(readonly=True)
    description = fields.Char(string="Product", readonly=True)
    payer = fields.Char(string="Payer ID", readonly=True)
    transaction_id = fields.Many2one(
        "payment.transaction", string="Odoo Transaction", readonly=True, index="btree_not_null", ondelete="set null"
    )
    match_state = fields.Selection(MATCH_STATES, default="unmatched", required=True, readonly=True, index=True)

    _sql_constraints = [
        (
            "line_key_unique",
            "UNIQUE(company_id, channel, line_key)",
            "This trade of the channel has already been imported.",
        )
    ]

    def _to_engine_line(self):
        """This line as the matching engine's :class:`~..engine.bill.BillLine` (fen; ``line_no`` is the id)."""
        self.ensure_one()
        return BillLine(
            line_no=self.id,
            date=self.date,
            kind=self.kind,
            reference=self.reference,
            channel_reference=self.channel_reference or "",
            refund_reference=self.refund_reference or "",
            channel_refund_reference=self.channel_refund_reference or "",
            amount=to_fen(self.amount),
            refund_amount=to_fen(self.refund_amount),
            fee=to_fen(self.fee),
            fee_rate=Decimal(str(self.fee_rate)) / 100 if self.fee_rate else None,
            status=self.status or "",
        )
