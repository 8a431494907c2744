# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CitySettlementPayout(models.Model):
    """Money paid out to a merchant for a settlement (lean, append-only, chained).

    Created by the payout channel through ``city.settlement._city_payout_done``;
    the bank channel links its ``account.payment``, other channels (WeChat
    profit sharing) their own reference.
    """

    _name = "city.settlement.payout"
    _inherit = ["city.merchant.mixin", "city.hash.chain.mixin"]
    _description = "Settlement Payout"
    _order = "id desc"
    _check_company_auto = True
    _hash_chain_per_company = True

    settlement_id = fields.Many2one("city.settlement", required=True, index=True, ondelete="restrict", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(readonly=True)
    channel = fields.Char(required=True, readonly=True)
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    payment_id = fields.Many2one("account.payment", readonly=True, ondelete="restrict")
    reference = fields.Char(readonly=True)

    _sql_constraints = [
        ("settlement_uniq", "unique(settlement_id)", "A settlement is paid out once."),
    ]

    def _hash_chain_fields(self):
        return ["settlement_id", "merchant_id", "company_id", "currency_id", "amount", "channel", "date", "reference"]

    @api.depends("settlement_id", "amount")
    def _compute_display_name(self):
        for payout in self:
            payout.display_name = "%s: %s" % (payout.settlement_id.name or "", payout.amount)

    def write(self, vals):
        self.check_access("write")  # access errors before the evidence chain's own refusal
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_paid(self):
        raise UserError(_("Payouts cannot be deleted."))
