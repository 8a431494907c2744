# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools.localdate import local_today


class CitySettlementPayout(models.Model):
    """Money paid out to a merchant for a settlement (lean, append-only, chained).

    Created by the payout channel through ``city.settlement._city_payout_done``;
    the bank channel links its ``account.payment``, other channels (WeChat
    profit sharing) their own reference.

    Per-transaction shares (a channel that pays out of each paid transaction, such
    as WeChat profit sharing) are payouts too: no ``settlement_id``, the
    ``transaction_id`` they are paid out of, ``state`` ``pending`` until the channel
    confirms them (``done``) or refuses them (``failed``), and the allocation lines
    they pay (``city.settlement.allocation.payout_id``). A payout joins the evidence
    chain once it is ``done``.
    """

    _name = "city.settlement.payout"
    _inherit = ["city.merchant.mixin", "city.hash.chain.mixin"]
    _description = "Settlement Payout"
    _order = "id desc"
    _check_company_auto = True
    _hash_chain_per_company = True

    settlement_id = fields.Many2one("city.settlement", index=True, ondelete="restrict", readonly=True)
    transaction_id = fields.Many2one(
        "payment.transaction",
        string="Paid Out of",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        help="Per-transaction share: the payment whose funds this payout shares.",
    )
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
        default="done",
        required=True,
        readonly=True,
        index=True,
    )
    allocation_ids = fields.One2many("city.settlement.allocation", "payout_id", string="Allocation Lines")
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(readonly=True)
    channel = fields.Char(required=True, readonly=True)
    date = fields.Date(required=True, readonly=True, default=local_today)
    payment_id = fields.Many2one("account.payment", readonly=True, ondelete="restrict")
    reference = fields.Char(readonly=True)

    _sql_constraints = [
        ("settlement_uniq", "unique(settlement_id)", "A settlement is paid out once."),
        (
            "settlement_or_transaction",
            "CHECK(settlement_id IS NOT NULL OR transaction_id IS NOT NULL)",
            "A payout pays a settlement or shares a transaction.",
        ),
    ]

    def _hash_chain_ready(self):
        return self.filtered(lambda payout: payout.state == "done")

    @api.model
    def _hash_chain_expected_domain(self):
        return [("state", "=", "done")]

    def _city_set_state(self, state):
        """Per-transaction share confirmed (``done``, chained) or refused (``failed``) by its channel."""
        self.sudo().write({"state": state})
        if state == "done":
            self.sudo()._hash_chain_append()

    def _hash_chain_fields(self):
        return [
            "settlement_id",
            "transaction_id",
            "merchant_id",
            "company_id",
            "currency_id",
            "amount",
            "channel",
            "date",
            "reference",
        ]

    @api.depends("settlement_id", "amount")
    def _compute_display_name(self):
        for payout in self:
            payout.display_name = "%s: %s" % (payout.settlement_id.name or payout.reference or "", payout.amount)

    def write(self, vals):
        self.check_access("write")  # access errors before the evidence chain's own refusal
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_paid(self):
        raise UserError(_("Payouts cannot be deleted."))
