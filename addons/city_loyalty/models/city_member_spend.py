# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityMemberSpend(models.Model):
    """What a member paid at a merchant (one line per paid order and merchant): tiers sum it."""

    _name = "city.member.spend"
    _description = "Member Spend"
    _order = "date desc, id desc"

    partner_id = fields.Many2one("res.partner", string="Member", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    merchant_id = fields.Many2one("res.partner", ondelete="set null", index="btree_not_null")
    date = fields.Datetime(required=True, index=True)
    amount_fen = fields.Integer(required=True)
    source_ref = fields.Char()

    _sql_constraints = [
        ("source_uniq", "unique(partner_id, merchant_id, source_ref)", "This purchase is already counted."),
    ]
