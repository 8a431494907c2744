# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.city_loyalty.models.city_points_ledger import KINDS


class CityDashboardPointsReport(models.Model):
    """The points rollup as a reporting view."""

    _name = "city.dashboard.points.report"
    _description = "Points Flow Analysis"
    _auto = False
    _order = "date desc"

    company_id = fields.Many2one("res.company", readonly=True)
    merchant_id = fields.Many2one("res.partner", readonly=True)
    date = fields.Date(readonly=True)
    kind = fields.Selection(KINDS, readonly=True)
    points = fields.Integer(readonly=True)
    lines = fields.Integer(string="Ledger Lines", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (SELECT p.id, p.company_id, p.merchant_id, p.day AS date, p.kind,"
                " p.points, p.lines FROM city_dashboard_points_day p)",
                SQL.identifier(self._table),
            )
        )
