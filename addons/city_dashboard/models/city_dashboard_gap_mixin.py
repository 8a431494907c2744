# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the district's, a merchant's and a category's gap rollups share (city_dashboard_member_gap.py
says how a period's member figures are sums over these rows)."""

from odoo import fields, models
from odoo.tools import SQL


class CityDashboardGapMixin(models.AbstractModel):
    """Visits per day and gaps to the previous and next visits, within a scope (``_gap_scope``)."""

    _name = "city.dashboard.gap.mixin"
    _description = "Cockpit Rollup: Member Visits per Day and Gaps"
    _log_access = False
    _order = "day desc"
    _gap_scope = ()  # the columns between company and day that a row's key has (merchant, category)

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    day = fields.Date(required=True, readonly=True)
    gap_prev = fields.Integer(string="Days Since the Previous Visit", readonly=True)
    gap_next = fields.Integer(
        string="Days to the Next Visit",
        readonly=True,
        help="0: two orders or more that day; 367: none yet, or 367 days or more.",
    )
    members = fields.Integer(readonly=True)

    def init(self):
        # The cockpit reads a range of one scope's days (a covering index).
        if self._abstract:
            return
        key = ("company_id", *self._gap_scope, "day", "gap_prev", "gap_next")
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s) INCLUDE (members)",
                SQL.identifier(f"{self._table}_key"),
                SQL.identifier(self._table),
                SQL(", ").join(SQL.identifier(column) for column in key),
            )
        )
