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
    _description = "Cockpit Rollup: Merchant Member Visits per Day and Gaps"
    _log_access = False
    _order = "day desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    merchant_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade")
    day = fields.Date(required=True, readonly=True)
    gap_prev = fields.Integer(
        string="Days Since the Previous Visit",
        readonly=True,
        help="0: the member's first visit to the merchant; capped at 367.",
    )
    gap_next = fields.Integer(
        string="Days to the Next Visit",
        readonly=True,
        help="0: two orders or more that day; 367: none yet, or 367 days or more.",
    )
    members = fields.Integer(readonly=True)

    def init(self):
        # The cockpit reads a range of one merchant's days (a covering index).
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS city_dashboard_merchant_gap_key ON city_dashboard_merchant_gap"
            " (company_id, merchant_id, day, gap_prev, gap_next) INCLUDE (members)"
        )
