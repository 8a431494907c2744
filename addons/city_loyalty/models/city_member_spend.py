# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityMemberSpend(models.Model):
    """What a member paid per day (purchases that earned points): member tiers sum it over their window."""

    _name = "city.member.spend"
    _description = "Member Daily Spend"
    _order = "day desc, id desc"

    partner_id = fields.Many2one("res.partner", string="Member", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    day = fields.Date(required=True)
    amount_fen = fields.Integer(required=True)

    _sql_constraints = [
        ("partner_day_uniq", "unique(partner_id, company_id, day)", "One spend line per member and day."),
    ]
