# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models

REASONS = [
    ("duplicate", "Duplicate event"),
    ("daily_cap", "Daily cap reached"),
    ("velocity", "Too many earnings in a short time"),
    ("no_rule", "No earning rule"),
    ("not_member", "Not a member"),
    ("flagged", "Wallet flagged as suspicious"),
    ("zero", "Nothing to earn"),
    ("self_referral", "Self referral"),
]


class CityPointsRejection(models.Model):
    """An earning attempt that was refused, with its reason (anti-abuse trail for operators)."""

    _name = "city.points.rejection"
    _description = "Rejected Points Earning"
    _order = "id desc"

    partner_id = fields.Many2one("res.partner", string="Member", index=True, ondelete="cascade", readonly=True)
    wallet_id = fields.Many2one("city.points.wallet", ondelete="cascade", readonly=True, index="btree_not_null")
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    event = fields.Char(readonly=True)
    event_key = fields.Char(readonly=True)
    reason = fields.Selection(REASONS, required=True, readonly=True, index=True)
    message = fields.Char(readonly=True)
    merchant_id = fields.Many2one("res.partner", ondelete="set null", readonly=True, index="btree_not_null")
    rule_id = fields.Many2one("city.points.rule", ondelete="set null", readonly=True)
    points = fields.Integer(string="Points Asked", readonly=True)
    source_ref = fields.Char(readonly=True)

    @api.model
    def _record(self, vals_list):
        return self.sudo().create(vals_list)
