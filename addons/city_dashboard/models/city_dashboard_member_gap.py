# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The district's member figures as sums over rows whose number does not follow order lines.

A member's visits to the district (days with a paid order at any of the company's
merchants) form a sequence of days. Each visit ``d`` is counted in one row of
``city.dashboard.member.gap`` keyed by its day, the gap back to the member's previous
visit and the gap on to the next one. For a period ``[a, b]``:

- active members: the visits in ``[a, b]`` whose previous visit is before ``a``
  (each active member's first visit of the period), ``gap_prev > day - a``;
- new members: the visits in ``[a, b]`` without a previous visit, ``gap_prev = 0``;
- members with two orders or more in the period: among the first visits of the period,
  those of two orders or more that day (``gap_next = 0``) or whose next visit is by
  ``b`` (``gap_next <= b - day``).

Gaps are capped at :data:`GAP_CAP` (a period is at most 366 days), so a day has at
most a few thousand rows whatever the number of orders. The rows are kept exact by
the rollup run from ``city.dashboard.member.visit`` (one row per company, member and
day, for the run only): for the members whose days changed, the contributions of
their visits around those days are taken out and put back recomputed.
"""

from odoo import fields, models

GAP_CAP = 367  # gaps of 367 days or more answer every period of at most 366 days alike


class CityDashboardMemberVisit(models.Model):
    """A member's paid orders at the company's merchants on one local day (maintenance of the gap rollup)."""

    _name = "city.dashboard.member.visit"
    _description = "Cockpit Rollup: Member Visits to the District per Day"
    _log_access = False
    _order = "day desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Member", required=True, readonly=True, ondelete="cascade")
    day = fields.Date(required=True, readonly=True)
    orders = fields.Integer(readonly=True)

    def init(self):
        # A member's visit before or after a day, and the visits of a range of days.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS city_dashboard_member_visit_key"
            " ON city_dashboard_member_visit (company_id, partner_id, day) INCLUDE (orders)"
        )


class CityDashboardMemberGap(models.Model):
    """Visits of the district's members per day and gaps to their previous and next visits (a rollup)."""

    _name = "city.dashboard.member.gap"
    _inherit = "city.dashboard.gap.mixin"
    _description = "Cockpit Rollup: District Member Visits per Day and Gaps"
    _log_access = False  # each definition says it (Odoo adds the log fields per class)

    gap_prev = fields.Integer(help="0: the member's first visit; capped at 367.")
