# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityPointsTier(models.Model):
    """A member tier (普通/银卡/金卡/黑金) reached by rolling spend."""

    _name = "city.points.tier"
    _description = "Member Tier"
    _order = "min_spend, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    min_spend = fields.Monetary(
        string="Rolling Spend From",
        help="Spend over the company's tier window (default 30 days) that reaches this tier.",
    )
    multiplier = fields.Float(default=1.0, help="Purchase points are multiplied by this factor.")
    birthday_points = fields.Integer(
        string="Birthday Gift (points)", help="Points given on the member's birthday while in this tier."
    )
    benefits = fields.Text(translate=True)
    color = fields.Integer()

    _sql_constraints = [
        ("multiplier_positive", "CHECK(multiplier > 0)", "The multiplier must be positive."),
        ("min_spend_positive", "CHECK(min_spend >= 0)", "The spend threshold cannot be negative."),
        ("birthday_points_positive", "CHECK(birthday_points >= 0)", "Birthday points cannot be negative."),
    ]

    def _for_spend(self, company, spend):
        """The highest active tier of ``company`` whose threshold ``spend`` reaches."""
        tiers = self.search([("company_id", "=", company.id)], order="min_spend desc, id desc")
        return next((tier for tier in tiers if spend >= tier.min_spend), self.browse())
