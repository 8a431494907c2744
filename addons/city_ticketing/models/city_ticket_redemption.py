# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models

from odoo.addons.city_base.tools.allocation import from_fen


class CityTicketRedemption(models.Model):
    """One redemption (scan) of a ticket: append-only log, lean (no mail.thread)."""

    _name = "city.ticket.redemption"
    _inherit = ["city.merchant.mixin"]
    _description = "Ticket Redemption"
    _order = "id desc"

    ticket_id = fields.Many2one("city.ticket", required=True, ondelete="restrict", index=True, readonly=True)
    product_id = fields.Many2one(related="ticket_id.product_id")
    partner_id = fields.Many2one("res.partner", string="Holder", ondelete="restrict", readonly=True)
    user_id = fields.Many2one("res.users", string="Scanned by", ondelete="restrict", readonly=True)
    uses = fields.Integer(readonly=True, default=1)
    use_index = fields.Integer(string="Uses Done After", readonly=True)
    amount_fen = fields.Integer(string="Released (fen)", readonly=True)
    currency_id = fields.Many2one(related="ticket_id.currency_id")
    amount = fields.Monetary(string="Released", compute="_compute_amount")
    device = fields.Char(readonly=True)
    date = fields.Datetime(related="create_date", string="Date")

    def _check_merchant_id(self):
        # Hot path: a redemption's merchant is copied from its ticket, checked when the
        # ticket was issued; skip the mixin's re-read of the merchant partner.
        return

    @api.depends("amount_fen")
    def _compute_amount(self):
        for redemption in self:
            redemption.amount = from_fen(redemption.amount_fen)

    def _get_success_message(self):
        self.ensure_one()
        ticket = self.ticket_id
        if ticket.uses_total > 1:
            return _(
                "Redeemed: %(product)s, use %(done)s of %(total)s.",
                product=ticket.display_name,
                done=self.use_index,
                total=ticket.uses_total,
            )
        return _("Redeemed: %(product)s.", product=ticket.display_name)

    def _to_api(self):
        """The JSON shape of a redemption for the scan screen and the APIs."""
        self.ensure_one()
        ticket = self.ticket_id
        return {
            "redemption_id": self.id,
            "ticket_id": ticket.id,
            "product": ticket.product_id.name,
            "component": ticket.component_name or None,
            "holder": ticket.partner_id.name,
            "uses": self.uses,
            "uses_done": ticket.uses_done,
            "uses_total": ticket.uses_total,
            "state": ticket.state,
            "amount": float(from_fen(self.amount_fen)),
        }

    @api.model
    def get_recent_redemptions(self, limit=10):
        """The scan screen's recent list: this merchant's latest redemptions (record rules apply)."""
        records = self.search([], limit=min(int(limit), 50))
        return [
            {
                "id": r.id,
                "date": fields.Datetime.to_string(fields.Datetime.context_timestamp(r, r.create_date)),
                "product": r.ticket_id.display_name,
                "holder": r.partner_id.name,
                "uses": r.uses,
                "user": r.user_id.name,
            }
            for r in records
        ]
