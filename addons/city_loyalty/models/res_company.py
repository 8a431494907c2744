# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    city_points_issue_fen = fields.Float(
        string="Points Funding (fen per point)",
        default=1.0,
        help="What the issuing merchant funds for each point it issues, in fen (1 = ¥0.01 per point).",
    )
    city_points_clearing_fen = fields.Float(
        string="Points Clearing Rate (fen per point)",
        default=1.0,
        help="What a merchant accepting points is reimbursed for each point, in fen.",
    )
    city_points_validity_days = fields.Integer(string="Points Validity (days)", default=365)
    city_points_notice_days = fields.Integer(
        string="Expiry Notice (days ahead)",
        default=30,
        help="Members are notified this many days before points expire.",
    )
    city_points_merchant_max_per_yuan = fields.Float(
        string="Merchant Rule Limit (points per yuan)",
        default=5.0,
        help="The most points per yuan a merchant manager may offer in their own rules.",
    )
    city_points_velocity_max = fields.Integer(
        string="Velocity Limit (earnings per hour)",
        default=20,
        help="More earnings than this for one member within an hour are refused and the wallet is flagged.",
    )
    city_points_tier_days = fields.Integer(string="Tier Spend Window (days)", default=30)

    _sql_constraints = [
        (
            "city_points_rates_positive",
            "CHECK(city_points_issue_fen >= 0 AND city_points_clearing_fen >= 0)",
            "Points rates cannot be negative.",
        ),
    ]

    @api.constrains(
        "city_points_issue_fen",
        "city_points_clearing_fen",
        "city_points_merchant_max_per_yuan",
        "city_points_validity_days",
        "city_points_notice_days",
        "city_points_tier_days",
        "city_points_velocity_max",
    )
    def _check_city_points_settings(self):
        for company in self:
            if min(company.city_points_issue_fen, company.city_points_clearing_fen) < 0:
                raise ValidationError(self.env._("The points funding and clearing rates cannot be negative."))
            if company.city_points_merchant_max_per_yuan < 0:
                raise ValidationError(self.env._("The merchant rule limit cannot be negative."))
            if company.city_points_validity_days <= 0:
                raise ValidationError(self.env._("The points validity must be at least one day."))
            if company.city_points_tier_days <= 0:
                raise ValidationError(self.env._("The tier spend window must be at least one day."))
            if company.city_points_notice_days < 0:
                raise ValidationError(self.env._("The expiry notice cannot be a negative number of days."))
            if company.city_points_velocity_max <= 0:
                raise ValidationError(self.env._("The velocity limit must allow at least one earning per hour."))
