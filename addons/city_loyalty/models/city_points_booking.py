# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from decimal import Decimal

from odoo import api, fields, models

from odoo.addons.city_base.tools.allocation import allocate, from_fen, to_fen

BOOKING_KINDS = [("issue", "Issued (funded by merchant)"), ("redeem", "Accepted (reimbursed)"), ("expire", "Expired")]
LEDGER_KIND_TO_BOOKING = {"earn": "issue", "spend": "redeem", "expire": "expire"}


class CityPointsBooking(models.Model):
    """Points money booked through city_settlement: one record per merchant, kind and posting.

    It is the ``source`` handed to ``city.settlement.allocation._book_points``;
    its ledger lines carry the exact fen each one is worth.
    """

    _name = "city.points.booking"
    _inherit = ["city.merchant.mixin"]
    _description = "Points Money Booking"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(BOOKING_KINDS, required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True, ondelete="restrict")
    points = fields.Integer(readonly=True)
    rate_fen = fields.Float(string="Rate (fen per point)", readonly=True)
    amount_fen = fields.Integer(readonly=True)
    amount = fields.Monetary(readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    ledger_ids = fields.One2many("city.points.ledger", "booking_id", readonly=True)

    @api.model
    def _rate_for(self, company, kind):
        return company.city_points_clearing_fen if kind == "redeem" else company.city_points_issue_fen

    @api.model
    def _book_lines(self, lines):
        """Group ledger lines by (company, merchant, kind), price them cent-exact and book each group."""
        groups = {}
        for line in lines:
            kind = LEDGER_KIND_TO_BOOKING.get(line.kind)
            if not kind or not line.merchant_id or line.booking_id:
                continue
            groups.setdefault((line.company_id, line.merchant_id, kind), []).append(line)
        bookings = self.browse()
        for (company, merchant, kind), group in groups.items():
            rate = self._rate_for(company, kind)
            points = [abs(line.points) for line in group]
            # The group's total is rounded once; allocate() spreads it so lines sum exactly.
            total_fen = to_fen(Decimal(sum(points)) * Decimal(repr(rate)) / 100)
            parts = allocate(total_fen, points) if total_fen else [0] * len(points)
            members = {line.partner_id for line in group}
            booking = self.create(
                {
                    "merchant_id": merchant.id,
                    "company_id": company.id,
                    "kind": kind,
                    "partner_id": members.pop().id if len(members) == 1 else False,
                    "points": sum(points),
                    "rate_fen": rate,
                    "amount_fen": total_fen,
                    "amount": float(from_fen(total_fen)),
                }
            )
            ledger = self.env["city.points.ledger"].with_context(city_loyalty_post=True)
            for line, part in zip(group, parts, strict=True):
                ledger.browse(line.id).write({"booking_id": booking.id, "value_fen": part})
            if total_fen:
                booking._post_to_settlement()
            bookings |= booking
        return bookings

    def _post_to_settlement(self):
        """Hand the booking to city_settlement (allocation lines now, journal entries in its batch)."""
        if "city.settlement.allocation" not in self.env:  # TODO(loyalty): drop once merged with settlement
            return
        for booking in self:
            self.env["city.settlement.allocation"].sudo()._book_points(
                booking.merchant_id, booking.amount, booking.kind, booking, member=booking.partner_id or None
            )
