# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools.allocation import allocate, from_fen, to_fen

BOOKING_KINDS = [
    ("issue", "Issued (funded by merchant)"),
    ("redeem", "Accepted (reimbursed)"),
    ("expire", "Expired"),
    ("revoke", "Taken back (funding returned)"),
]
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
    reversed_ledger_id = fields.Many2one(
        "city.points.ledger",
        string="Earning Taken Back",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
        help="Revoke bookings: the earned line whose issue they reverse.",
    )

    @api.model
    def _rate_for(self, company, kind, merchant=None):
        """Fen per point of a booking of ``kind`` in ``company`` (for ``merchant``, a partner)."""
        if kind == "redeem":
            return self._city_clearing_rate_fen(company, merchant)
        return company.city_points_issue_fen

    @api.model
    def _city_clearing_rate_fen(self, company, merchant=None):
        """Fen per point a merchant accepting points is reimbursed: the company's clearing rate.

        A hook: city_alliance returns the rate of the merchant's alliance terms when
        it has some (the alliance overrides the company default).
        """
        return company.city_points_clearing_fen

    @api.model
    def _prepare_entries(self, entries, company_by_wallet, partner_by_wallet):
        """Price ledger entries before they are written: one booking per (company, merchant, kind).

        earn → the issuing merchant funds the points ('issue'); spend → the
        accepting merchant is reimbursed at the clearing rate ('redeem');
        expire → the issuing merchant's liability goes to income ('expire').
        Entries without a merchant are the platform's own points: nothing to
        book. Each group's total is rounded once and spread over its entries
        with allocate(), so the entries' ``value_fen`` sum to it exactly.
        Sets ``booking_id`` and ``value_fen`` on the entries; returns the bookings.
        """
        groups = {}
        for entry in entries:
            kind = LEDGER_KIND_TO_BOOKING.get(entry["kind"])
            if kind and entry.get("merchant_id"):
                company = company_by_wallet[entry["wallet_id"]]
                groups.setdefault((company, entry["merchant_id"], kind), []).append(entry)
        vals_list, grouped = [], []
        for (company, merchant_id, kind), group in groups.items():
            rate = self._rate_for(company, kind, self.env["res.partner"].browse(merchant_id))
            points = [abs(entry["points"]) for entry in group]
            total_fen = to_fen(Decimal(sum(points)) * Decimal(repr(rate)) / 100)
            parts = allocate(total_fen, points) if total_fen else [0] * len(points)
            for entry, part in zip(group, parts, strict=True):
                entry["value_fen"] = part
            members = {partner_by_wallet[entry["wallet_id"]] for entry in group}
            vals_list.append(
                {
                    "merchant_id": merchant_id,
                    "company_id": company.id,
                    "kind": kind,
                    "partner_id": members.pop() if len(members) == 1 else False,
                    "points": sum(points),
                    "rate_fen": rate,
                    "amount_fen": total_fen,
                    "amount": float(from_fen(total_fen)),
                }
            )
            grouped.append(group)
        bookings = self.sudo().create(vals_list) if vals_list else self.browse()
        for booking, group in zip(bookings, grouped, strict=True):
            for entry in group:
                entry["booking_id"] = booking.id
        return bookings

    @api.model
    def _prepare_revoke(self, earned, points):
        """Price taking ``points`` back from the ``earned`` line: its issue reversed, pro rata.

        What all the take-backs of the line return is the line's value in proportion of
        the points taken back so far, rounded once: the last one returns the rest, so a
        full take-back returns exactly what the issue charged. Call under the wallet lock.
        :return: the values of the revoke booking, or None when the line booked no money
        """
        issue = earned.booking_id
        if issue.kind != "issue":
            return None
        previous = self.sudo().search([("kind", "=", "revoke"), ("reversed_ledger_id", "=", earned.id)])
        taken = sum(previous.mapped("points")) + points
        if taken > earned.points:
            raise UserError(_("More points taken back than were earned."))
        # value × taken / points, rounded half up in whole fen (exact: the whole value when all is taken)
        total_fen = (2 * earned.value_fen * taken + earned.points) // (2 * earned.points)
        amount_fen = total_fen - sum(previous.mapped("amount_fen"))
        return {
            "merchant_id": issue.merchant_id.id,
            "company_id": issue.company_id.id,
            "kind": "revoke",
            "partner_id": earned.wallet_id.partner_id.id,
            "points": points,
            "rate_fen": issue.rate_fen,
            "amount_fen": amount_fen,
            "amount": float(from_fen(amount_fen)),
            "reversed_ledger_id": earned.id,
        }

    def _city_get_source_label(self):
        """The booking as a merchant's statement shows it: what happened, how many points, whose."""
        self.ensure_one()
        kind = dict(self._fields["kind"]._description_selection(self.env)).get(self.kind, "")
        if self.partner_id:
            return _(
                "%(kind)s · %(points)s points · %(member)s", kind=kind, points=self.points, member=self.partner_id.name
            )
        return _("%(kind)s · %(points)s points", kind=kind, points=self.points)

    def _post_to_settlement(self):
        """Hand the booking to city_settlement (allocation lines now, journal entries in its batch).

        Booked in the booking's company (the wallet's), whatever the current company is.
        """
        for booking in self.filtered("amount_fen"):
            self.env["city.settlement.allocation"].sudo()._book_points(
                booking.merchant_id,
                booking.amount,
                booking.kind,
                booking,
                member=booking.partner_id or None,
                company=booking.company_id,
            )
