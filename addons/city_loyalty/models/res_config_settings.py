# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    city_points_issue_fen = fields.Float(related="company_id.city_points_issue_fen", readonly=False)
    city_points_clearing_fen = fields.Float(related="company_id.city_points_clearing_fen", readonly=False)
    city_points_validity_days = fields.Integer(related="company_id.city_points_validity_days", readonly=False)
    city_points_notice_days = fields.Integer(related="company_id.city_points_notice_days", readonly=False)
    city_points_merchant_max_per_yuan = fields.Float(
        related="company_id.city_points_merchant_max_per_yuan", readonly=False
    )
    city_points_velocity_max = fields.Integer(related="company_id.city_points_velocity_max", readonly=False)
    city_points_tier_days = fields.Integer(related="company_id.city_points_tier_days", readonly=False)
