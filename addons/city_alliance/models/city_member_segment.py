# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models
from odoo.tools import SQL


class CityMemberSegment(models.Model):
    """A member's stay in a segment: entered, and left (empty while still in it).

    Written by the nightly segment computation in set-based SQL only; a member who
    leaves and qualifies again gets a new row, so the history stays.
    """

    _name = "city.member.segment"
    _description = "Member Segment Membership"
    _order = "date_entered desc, id desc"
    _rec_name = "segment_id"

    segment_id = fields.Many2one("city.segment", required=True, index=True, ondelete="cascade", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade", readonly=True)
    date_entered = fields.Datetime(string="Entered", required=True, readonly=True)
    date_left = fields.Datetime(string="Left", readonly=True)
    is_current = fields.Boolean(string="Current", default=True, readonly=True)
    color = fields.Integer(related="segment_id.color")

    def init(self):
        # One open stay per member and segment; the computation's look-ups go through it.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS city_member_segment_current_uniq"
                " ON city_member_segment (segment_id, partner_id) WHERE is_current"
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS city_member_segment_partner_idx"
                " ON city_member_segment (partner_id, segment_id)"
            )
        )
