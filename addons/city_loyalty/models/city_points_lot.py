# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .city_points_ledger import LOT_STATES, posting_context


class CityPointsLot(models.Model):
    """Points earned together, with one expiry date; spending uses the oldest lots first.

    A lot is the ledger line that added the points (earn, positive adjust,
    transfer in): this read-only view shows its lot columns. One row per
    earning instead of two keeps the purchase hot path lean; consumptions
    (``city.points.lot.consumption``) point at the same ids.
    """

    _name = "city.points.lot"
    _description = "Points Lot"
    _auto = False
    _order = "date, id"

    wallet_id = fields.Many2one("city.points.wallet", readonly=True)
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    company_id = fields.Many2one(related="wallet_id.company_id")
    ledger_id = fields.Many2one("city.points.ledger", string="Earned By", readonly=True)
    merchant_id = fields.Many2one("res.partner", string="Issued By", readonly=True)
    points = fields.Integer(readonly=True)
    remaining = fields.Integer(readonly=True)
    date = fields.Datetime(string="Earned On", readonly=True)
    expiry_date = fields.Date(readonly=True)
    state = fields.Selection(LOT_STATES, readonly=True)
    notified = fields.Boolean(string="Expiry Notified", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT id, id AS ledger_id, wallet_id, merchant_id, points, lot_remaining AS remaining,
                           lot_date AS date, expiry_date, lot_state AS state, lot_notified AS notified
                      FROM city_points_ledger
                     WHERE lot_remaining IS NOT NULL
                )
                """,
                SQL.identifier(self._table),
            )
        )

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

    @api.model
    def _cron_expire(self, limit=5000):
        """Expire lots past their date, company by company: one expire line per lot, the issuer's liability
        to income, in the lot's company. At most ``limit`` lots per company and run; a full batch triggers
        the cron again for the rest.
        """
        today = fields.Date.context_today(self)
        Ledger = self.env["city.points.ledger"]
        more = False
        for company in self.env["res.company"].sudo().search([]):
            lots = (
                self.sudo()
                .with_company(company)
                .search(
                    [("company_id", "=", company.id), ("remaining", ">", 0), ("expiry_date", "<", today)],
                    limit=limit,
                    order="id",
                )
            )
            Ledger |= lots._expire()
            more = more or len(lots) == limit
        if more:
            self.env.ref("city_loyalty.ir_cron_points_expire")._trigger()
        return Ledger

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
    def _cron_notify_expiring(self, limit=5000):
        """Queue one notification per member whose points expire within the notice period, per company.

        At most ``limit`` lots per company and run (whole members: their lots are
        taken together); a full batch triggers the cron again for the rest.
        """
        Notification = self.env["city.member.notification"].sudo()
        today = fields.Date.context_today(self)
        more = False
        for company in self.env["res.company"].sudo().search([]):
            horizon = today + timedelta(days=company.city_points_notice_days)
            domain = [
                ("company_id", "=", company.id),
                ("remaining", ">", 0),
                ("notified", "=", False),
                ("expiry_date", "<=", horizon),
                ("expiry_date", ">=", today),
            ]
            lots_model = self.sudo().with_company(company)
            batch = lots_model.search(domain, limit=limit, order="id")
            if len(batch) == limit:
                more = True
                # Whole members only: the last member's other lots come with it, the rest waits.
                batch = lots_model.search([*domain, ("wallet_id", "in", batch.wallet_id.ids)], order="id")
            for partner, partner_lots in batch.grouped("partner_id").items():
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
            lines = self.env["city.points.ledger"].sudo().browse(batch.ids)
            posting_context(lines).write({"lot_notified": True})
            self.invalidate_model(["notified"])
        if more:
            self.env.ref("city_loyalty.ir_cron_points_notify_expiring")._trigger()
