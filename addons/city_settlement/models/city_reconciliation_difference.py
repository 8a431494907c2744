# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models

DIFFERENCE_CAUSES = [
    ("missing_in_odoo", "Missing in Odoo"),
    ("missing_in_bill", "Missing in Bill"),
    ("amount_mismatch", "Amount Mismatch"),
    ("fee_mismatch", "Fee Mismatch"),
    ("refund_mismatch", "Refund Mismatch"),
    # The fund-flow layer (fees and payouts on the channel account).
    ("flow_fee_mismatch", "Fees: Fund Flow ≠ Trade Bill"),
    ("booked_fee_mismatch", "Fees: Trade Bill ≠ Booked"),
    ("payout_missing_in_odoo", "Payout Missing in Odoo"),
    ("payout_missing_in_flow", "Payout Missing in Fund Flow"),
    ("payout_mismatch", "Payout Amount Mismatch"),
]


class CityReconciliationDifference(models.Model):
    """One difference between the channel's bill and Odoo, with its cause."""

    _name = "city.reconciliation.difference"
    _description = "Reconciliation Difference"
    _order = "reconciliation_id, id"
    _rec_name = "reference"

    reconciliation_id = fields.Many2one("city.reconciliation", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    cause = fields.Selection(DIFFERENCE_CAUSES, required=True, readonly=True, index=True)
    reference = fields.Char(string="Order Reference", required=True, readonly=True, index=True)
    bill_amount = fields.Monetary(readonly=True)
    odoo_amount = fields.Monetary(readonly=True)
    amount = fields.Monetary(string="Difference", readonly=True, help="Bill minus Odoo.")
    bill_line_ids = fields.Many2many("city.payment.bill.line", string="Bill Lines", readonly=True)
    transaction_ids = fields.Many2many("payment.transaction", string="Odoo Transactions", readonly=True)
    fund_line_ids = fields.Many2many("city.payment.fund.line", string="Fund-Flow Movements", readonly=True)
    payout_ids = fields.Many2many("city.settlement.payout", string="Payouts", readonly=True)
    note = fields.Text(help="What the accountant found out about this difference.")
    resolved = fields.Boolean(help="The difference is explained and needs no further action.")
