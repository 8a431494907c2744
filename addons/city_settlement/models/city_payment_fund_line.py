# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models

from odoo.addons.city_base.tools.allocation import to_fen

from ..engine.bill import FundFlowLine
from .city_payment_bill_line import MATCH_STATES

FLOW_CATEGORY_SELECTION = [
    ("trade", "Payment Received"),
    ("refund", "Refund Paid"),
    ("fee", "Channel Fee"),
    ("payout", "Payout"),
    ("withdrawal", "Withdrawal"),
    ("other", "Other"),
]


class CityPaymentFundLine(models.Model):
    """One movement of a payment channel account, from its fund-flow bill (资金账单)."""

    _name = "city.payment.fund.line"
    _description = "Payment Channel Fund-Flow Line"
    _order = "date, id"
    _rec_name = "flow_reference"

    bill_id = fields.Many2one("city.payment.bill", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="bill_id.currency_id")
    channel = fields.Char(required=True, readonly=True)
    line_key = fields.Char(required=True, readonly=True)
    line_no = fields.Integer(string="File Line", readonly=True)
    date = fields.Datetime(string="Booked On", required=True, index=True, readonly=True)
    flow_reference = fields.Char(string="Movement Reference", required=True, readonly=True)
    channel_reference = fields.Char(string="Channel Business ID", index="btree_not_null", readonly=True)
    voucher = fields.Char(string="Business Voucher", index="btree_not_null", readonly=True)
    business_name = fields.Char(readonly=True)
    business_type = fields.Char(readonly=True)
    category = fields.Selection(FLOW_CATEGORY_SELECTION, required=True, readonly=True, index=True)
    direction = fields.Selection([("income", "Income"), ("expense", "Expense")], required=True, readonly=True)
    amount = fields.Monetary(readonly=True, help="Always positive: the direction says which way it went.")
    signed_amount = fields.Monetary(readonly=True, help="Income positive, expense negative.")
    balance = fields.Monetary(string="Account Balance", readonly=True)
    applicant = fields.Char(readonly=True)
    note = fields.Char(readonly=True)
    payout_id = fields.Many2one("city.settlement.payout", readonly=True, index="btree_not_null", ondelete="set null")
    match_state = fields.Selection(MATCH_STATES, default="unmatched", required=True, readonly=True, index=True)

    _sql_constraints = [
        (
            "line_key_unique",
            "UNIQUE(company_id, channel, line_key)",
            "This movement of the channel account has already been imported.",
        )
    ]

    def _to_engine_line(self):
        """This line as the engine's :class:`~..engine.bill.FundFlowLine` (fen; ``line_no`` is the id)."""
        self.ensure_one()
        return FundFlowLine(
            line_no=self.id,
            date=self.date,
            flow_reference=self.flow_reference,
            direction=self.direction,
            amount=to_fen(self.amount),
            category=self.category,
            channel_reference=self.channel_reference or "",
            business_name=self.business_name or "",
            business_type=self.business_type or "",
            voucher=self.voucher or "",
        )
