# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class CityPointsLot(models.Model):
    """Points earned together, with one expiry date; spending uses the oldest lots first."""

    _name = "city.points.lot"
    _description = "Points Lot"
    _log_access = False  # lean: its own date, inserted in bulk on the hot path
    _order = "date, id"

    wallet_id = fields.Many2one("city.points.wallet", required=True, index=True, ondelete="restrict", readonly=True)
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    company_id = fields.Many2one(related="wallet_id.company_id")
    ledger_id = fields.Many2one("city.points.ledger", string="Earned By", ondelete="restrict", readonly=True)
    merchant_id = fields.Many2one("res.partner", string="Issued By", ondelete="restrict", readonly=True)
    points = fields.Integer(readonly=True)
    remaining = fields.Integer(readonly=True)
    date = fields.Datetime(string="Earned On", required=True, readonly=True)
    expiry_date = fields.Date(required=True, index=True, readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("consumed", "Used"), ("expired", "Expired")], default="open", readonly=True
    )
    notified = fields.Boolean(string="Expiry Notified", readonly=True)

    _sql_constraints = [
        (
            "remaining_range",
            "CHECK(remaining >= 0 AND remaining <= points)",
            "A lot's remaining points are out of range.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        # Lots are inserted in bulk by the wallet's locked posting, never through the ORM.
        if not self.env.context.get("city_loyalty_post"):
            raise UserError(self.env._("Points lots are created by the points wallet only."))
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        raise UserError(self.env._("Points lots cannot be deleted."))

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

    @api.model
    def _cron_expire(self, limit=5000):
        """Expire lots past their date: one expire line per lot, the issuer's liability to income."""
        today = fields.Date.context_today(self)
        lots = self.sudo().search([("remaining", ">", 0), ("expiry_date", "<", today)], limit=limit, order="id")
        return lots._expire()

    def _expire(self):
        entries = [
            {
                "wallet_id": lot.wallet_id.id,
                "kind": "expire",
                "points": -lot.remaining,
                "lot_ids": [lot.id],
                "merchant_id": lot.merchant_id.id or None,
                "event_key": f"expire:lot:{lot.id}",
                "source_ref": f"city.points.lot,{lot.id}",
                "note": self.env._("Points expired on %s", lot.expiry_date),
            }
            for lot in self
            if lot.remaining > 0
        ]
        Wallet = self.env["city.points.wallet"].sudo()
        lines, _skipped = Wallet._post_entries(entries, on_duplicate="skip", book=True)
        return lines

    @api.model
    def _cron_notify_expiring(self):
        """Queue one notification per member whose points expire within the notice period."""
        Notification = self.env["city.member.notification"].sudo()
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].sudo().search([]):
            horizon = today + timedelta(days=company.city_points_notice_days)
            lots = self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    ("remaining", ">", 0),
                    ("notified", "=", False),
                    ("expiry_date", "<=", horizon),
                    ("expiry_date", ">=", today),
                ]
            )
            for partner, partner_lots in lots.grouped("partner_id").items():
                points = sum(partner_lots.mapped("remaining"))
                first = min(partner_lots.mapped("expiry_date"))
                Notification._queue(
                    partner,
                    "points_expiring",
                    self.env._("Your points are expiring"),
                    self.env._(
                        "%(points)s points expire on %(date)s. Use them in the points mall!", points=points, date=first
                    ),
                    payload={"points": points, "expiry_date": fields.Date.to_string(first)},
                    dedupe_key=f"points_expiring:{partner.id}:{min(partner_lots.ids)}:{len(partner_lots)}",
                    company=company,
                )
            lots.write({"notified": True})
