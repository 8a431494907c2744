# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models

from odoo.addons.city_loyalty.models.city_points_ledger import KINDS


class CityDashboardPointsDay(models.Model):
    """Points moved per company, merchant (none: the platform's own), kind and local day (a rollup)."""

    _name = "city.dashboard.points.day"
    _description = "Cockpit Rollup: Points per Day"
    _log_access = False
    _order = "day desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    merchant_id = fields.Many2one("res.partner", readonly=True, ondelete="cascade")
    day = fields.Date(required=True, readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    points = fields.Integer(readonly=True)
    lines = fields.Integer(readonly=True)

    def init(self):
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS city_dashboard_points_day_key"
            " ON city_dashboard_points_day (company_id, COALESCE(merchant_id, 0), day, kind)"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS city_dashboard_points_day_day ON city_dashboard_points_day (day)"
        )
