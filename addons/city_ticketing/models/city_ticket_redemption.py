# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
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
    escrow_pending = fields.Boolean(string="Escrow Release Pending", readonly=True, index="btree_not_null", copy=False)

    def _check_merchant_id(self):
        # Hot path: a redemption's merchant is copied from its ticket, checked when the
        # ticket was issued; skip the mixin's re-read of the merchant partner.
        return

    @api.depends("amount_fen")
    def _compute_amount(self):
        for redemption in self:
            redemption.amount = from_fen(redemption.amount_fen)

    # ------------------------------------------------------- escrow release
    @api.model
    def _get_release_mode(self):
        """``batch`` (default): redemptions release escrow in batches; ``immediate``: at once."""
        mode = self.env["ir.config_parameter"].sudo().get_param("city_ticketing.escrow_release", "batch")
        return "immediate" if mode == "immediate" else "batch"

    def _release_escrow(self):
        """Release the escrow of these redemptions (those still pending) through city_settlement.

        One ``city.escrow._release_many`` call: one lock statement, one batched insert
        of allocation lines; idempotent per redemption (its ``source``).
        """
        pending = self.sudo().filtered("escrow_pending")
        allocations = self.env["city.settlement.allocation"]
        # Each company's escrow is released in that company, whoever scans or runs the batch.
        for company in pending.ticket_id.company_id:
            redemptions = pending.filtered(lambda r, c=company: r.ticket_id.company_id == c)
            allocations |= (
                self.env["city.escrow"]
                .sudo()
                .with_company(company)
                ._release_many([(r.ticket_id.escrow_id, from_fen(r.amount_fen), r) for r in redemptions])
            )
        pending.write({"escrow_pending": False})
        return allocations.with_env(self.env)

    @api.model
    def _cron_release_escrow(self, batch_size=1000):
        """The redemption batch: release the escrow of pending redemptions.

        Rows are taken with ``FOR NO KEY UPDATE SKIP LOCKED`` so that parallel runs
        never wait on each other or release twice.
        """
        self.env["city.ticket.redemption"].flush_model(["escrow_pending"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM city_ticket_redemption WHERE escrow_pending
                    ORDER BY id LIMIT %s FOR NO KEY UPDATE SKIP LOCKED""",
                batch_size,
            )
        )
        batch = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        batch._release_escrow()
        if len(batch) == batch_size:
            self.env.ref("city_ticketing.ir_cron_release_escrow")._trigger()
        return batch

    def _city_get_source_label(self):
        """The redemption as a merchant's statement shows it (ticket code, product, member)."""
        self.ensure_one()
        return self.ticket_id._city_get_source_label()

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
        """The scan screen's recent list: this merchant's latest redemptions (record rules apply).

        Public on purpose: the scan screen calls it through ``orm.call``. It reads
        only what the user's record rules let them search.
        """
        access.check_groups(self.env, *access.ANY_ROLE)
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
