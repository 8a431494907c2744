# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import psycopg2.errors

from odoo import _, api, fields, models

from .city_mp_error import MpError


class CityMpReview(models.Model):
    """A member's review of a ticket they used: one per ticket, which earns the review
    points of city_loyalty once (its reference is the ticket)."""

    _name = "city.mp.review"
    _description = "Mini-program Member Review"
    _order = "id desc"

    partner_id = fields.Many2one("res.partner", string="Member", required=True, index=True, readonly=True)
    ticket_id = fields.Many2one("city.ticket", required=True, ondelete="cascade", readonly=True)
    merchant_id = fields.Many2one("res.partner", required=True, index=True, readonly=True)
    rating = fields.Integer(required=True, readonly=True)
    comment = fields.Text(readonly=True)

    _sql_constraints = [
        ("ticket_uniq", "UNIQUE(ticket_id)", "A ticket is reviewed once."),
        ("rating_range", "CHECK(rating BETWEEN 1 AND 5)", "A rating is from 1 to 5."),
    ]

    @api.model
    def _city_post(self, ticket_sudo, rating, comment):
        """The review of the member's used ticket, and the points it earns (city_loyalty):
        ``(review, earning)`` where earning is city_loyalty's ``{"ok", ...}`` answer."""
        if not ticket_sudo.redemption_ids:
            raise MpError("not_used", _("Review a ticket once you have used it."), status=409)
        if self.sudo().search_count([("ticket_id", "=", ticket_sudo.id)], limit=1):
            raise MpError("already_reviewed", _("You have already reviewed this ticket."), status=409)
        merchant = ticket_sudo.merchant_id
        try:
            with self.env.cr.savepoint():
                review_sudo = self.sudo().create(
                    {
                        "partner_id": ticket_sudo.partner_id.id,
                        "ticket_id": ticket_sudo.id,
                        "merchant_id": merchant.id,
                        "rating": rating,
                        "comment": comment or False,
                    }
                )
                review_sudo.flush_recordset()
        except psycopg2.errors.UniqueViolation:  # the same review sent twice at once
            raise MpError("already_reviewed", _("You have already reviewed this ticket."), status=409) from None
        earning = ticket_sudo.partner_id._city_points_api_review(f"ticket:{ticket_sudo.id}", merchant=merchant.id)
        return review_sudo, earning
