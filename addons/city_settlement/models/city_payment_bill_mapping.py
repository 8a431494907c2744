# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models

from ..engine.bill import CsvMapping


class CityPaymentBillMapping(models.Model):
    """Where a generic CSV bill keeps each value (a saved column mapping)."""

    _name = "city.payment.bill.mapping"
    _description = "Bill CSV Mapping"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    code = fields.Char(
        required=True, help="Identifies the channel of the bills read with this mapping (lines are unique per channel)."
    )
    delimiter = fields.Char(required=True, default=",", size=1)
    skip_rows = fields.Integer(string="Rows Before Header", default=0)
    date_column = fields.Char(required=True)
    date_format = fields.Char(help="strftime format, e.g. %Y-%m-%d %H:%M:%S; empty: common formats are tried.")
    reference_column = fields.Char(required=True)
    amount_column = fields.Char(required=True)
    fee_column = fields.Char()
    refund_amount_column = fields.Char()
    type_column = fields.Char()
    refund_types = fields.Char(
        default="refund,退款",
        help="Comma-separated values of the type column that mean a refund.",
    )
    channel_reference_column = fields.Char()
    refund_reference_column = fields.Char()
    amounts_in_fen = fields.Boolean(string="Amounts in Fen", help="Amounts are integer fen (cents) instead of yuan.")

    _sql_constraints = [
        ("code_company_unique", "UNIQUE(code, company_id)", "The code of a CSV mapping must be unique.")
    ]

    def _get_csv_mapping(self):
        """The engine's :class:`~..engine.bill.CsvMapping` of this record."""
        self.ensure_one()
        return CsvMapping.from_dict(
            {
                "date": self.date_column,
                "reference": self.reference_column,
                "amount": self.amount_column,
                "fee": self.fee_column,
                "refund_amount": self.refund_amount_column,
                "type": self.type_column,
                "channel_reference": self.channel_reference_column,
                "refund_reference": self.refund_reference_column,
                "refund_types": self.refund_types or "",
                "date_format": self.date_format,
                "delimiter": self.delimiter or ",",
                "skip_rows": self.skip_rows,
                "amounts_in_fen": self.amounts_in_fen,
            }
        )
