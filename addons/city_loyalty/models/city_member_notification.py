# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.tools import SQL


class CityMemberNotification(models.Model):
    """A message waiting for the mini-program module to push to a member (subscribe message)."""

    _name = "city.member.notification"
    _description = "Member Notification"
    _order = "id desc"

    partner_id = fields.Many2one("res.partner", string="Member", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    kind = fields.Selection(
        [("points_expiring", "Points Expiring"), ("points_earned", "Points Earned"), ("reward", "Reward Redeemed")],
        required=True,
    )
    title = fields.Char(required=True)
    body = fields.Text()
    payload = fields.Json()
    state = fields.Selection(
        [("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")], default="pending", index=True
    )
    dedupe_key = fields.Char(index="btree_not_null")
    sent_date = fields.Datetime()

    _sql_constraints = [("dedupe_key_uniq", "unique(dedupe_key)", "This notification is already queued.")]

    @api.model
    def _queue(self, partner, kind, title, body, payload=None, dedupe_key=None, company=None):
        """Queue a notification once per ``dedupe_key``."""
        if dedupe_key and self.sudo().search_count([("dedupe_key", "=", dedupe_key)], limit=1):
            return self.browse()
        return self.sudo().create(
            {
                "partner_id": partner.id,
                "kind": kind,
                "title": title,
                "body": body,
                "payload": payload or {},
                "dedupe_key": dedupe_key,
                "company_id": (company or self.env.company).id,
            }
        )

    @api.model
    def _take_pending(self, limit=100, kinds=None):
        """For the pusher: pending notifications (of ``kinds``, default all), locked so two
        pushers never send one twice."""
        self.env.flush_all()
        kind_filter = SQL("AND kind IN %s", tuple(kinds)) if kinds else SQL()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM city_member_notification WHERE state = 'pending' %s ORDER BY id LIMIT %s "
                "FOR NO KEY UPDATE SKIP LOCKED",
                kind_filter,
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _mark_sent(self):
        self.write({"state": "sent", "sent_date": fields.Datetime.now()})
