# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    city_segment_membership_ids = fields.One2many(
        "city.member.segment",
        "partner_id",
        string="Segment History",
        groups="city_base.group_operator",
        readonly=True,
    )
    city_segment_ids = fields.Many2many(
        "city.segment",
        string="Segments",
        compute="_compute_city_segment_ids",
        groups="city_base.group_operator",
    )

    def _compute_city_segment_ids(self):
        memberships = self.env["city.member.segment"].search(
            [("partner_id", "in", self.ids), ("is_current", "=", True)]
        )
        for partner in self:
            partner.city_segment_ids = memberships.filtered(lambda m, p=partner: m.partner_id == p).segment_id
