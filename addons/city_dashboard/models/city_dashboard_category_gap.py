# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A merchant category's member figures as sums over its gap rows (city_dashboard_member_gap.py,
per category).

A member's visits to a category are the days with a paid order at any of its merchants
(summed from the member-day rollup, no visit table of its own); each is counted in one row
keyed by company, category, day and the gaps to the member's previous and next visit to the
category. Distinct members across the category's merchants are then sums, as for the district.

A merchant may change category: the rows follow the merchants' categories noted in
``city.dashboard.category.merchant`` when they were built. A run that finds a merchant's
category changed rebuilds them, and the cockpit reads them only for a category whose
merchants are those noted (else the member-day rollup), so they never answer for a stale set.
"""

from odoo import fields, models


class CityDashboardCategoryMerchant(models.Model):
    """A merchant's category as the category gap rollup counts it (maintenance of that rollup)."""

    _name = "city.dashboard.category.merchant"
    _description = "Cockpit Rollup: Merchant Categories Counted"
    _log_access = False

    merchant_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade")
    category_id = fields.Many2one("city.merchant.category", required=True, readonly=True, ondelete="cascade")

    _sql_constraints = [("merchant_uniq", "UNIQUE(merchant_id)", "One category per merchant.")]


class CityDashboardCategoryGap(models.Model):
    """Visits of a category's members per day and gaps to their previous and next visits there (a rollup)."""

    _name = "city.dashboard.category.gap"
    _inherit = "city.dashboard.gap.mixin"
    _description = "Cockpit Rollup: Category Member Visits per Day and Gaps"
    _log_access = False  # each definition says it (Odoo adds the log fields per class)
    _gap_scope = ("category_id",)

    category_id = fields.Many2one("city.merchant.category", required=True, readonly=True, ondelete="cascade")
    gap_prev = fields.Integer(help="0: the member's first visit to the category's merchants; capped at 367.")
