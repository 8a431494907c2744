# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A merchant's member figures as sums over its gap rows (the district's, city_dashboard_member_gap.py,
per merchant).

A member's visits to one merchant are its days in ``city.dashboard.member.day`` at that
merchant (the visit table of this rollup: no other is kept). Each is counted in one row
keyed by company, merchant, day and the gaps back to the member's previous visit *there*
and on to the next one, capped at 367; a merchant's active, new and repeat members over a
period are then the same sums as the district's. Distinct members across several merchants
are not sums of these rows: a category or a choice of merchants reads the member-day rollup.
"""

from odoo import fields, models


class CityDashboardMerchantGap(models.Model):
    """Visits of a merchant's members per day and gaps to their previous and next visits there (a rollup)."""

    _name = "city.dashboard.merchant.gap"
    _inherit = "city.dashboard.gap.mixin"
    _description = "Cockpit Rollup: Merchant Member Visits per Day and Gaps"
    _log_access = False  # each definition says it (Odoo adds the log fields per class)
    _gap_scope = ("merchant_id",)

    merchant_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade")
    gap_prev = fields.Integer(help="0: the member's first visit to the merchant; capped at 367.")
