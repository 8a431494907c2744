# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models, tools
from odoo.tools import SQL

from .city_dashboard_slot import WEEKDAYS


class CityDashboardActivityReport(models.Model):
    """The slot rollup as a reporting view: graph, pivot and spreadsheets of Odoo."""

    _name = "city.dashboard.activity.report"
    _description = "District Activity Analysis"
    _auto = False
    _order = "date desc"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    merchant_id = fields.Many2one("res.partner", readonly=True)
    category_id = fields.Many2one("city.merchant.category", string="Merchant Category", readonly=True)
    date = fields.Date(readonly=True)
    weekday = fields.Selection(WEEKDAYS, readonly=True)
    slot = fields.Char(string="Half Hour", readonly=True)
    hour = fields.Integer(readonly=True)
    orders = fields.Integer(readonly=True)
    lines = fields.Integer(string="Order Lines", readonly=True)
    gmv = fields.Monetary(string="GMV", readonly=True)
    redemptions = fields.Integer(readonly=True)
    visits = fields.Integer(string="Orders and Redemptions", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT s.id, s.company_id, c.currency_id, s.merchant_id, p.merchant_category_id AS category_id,
                           s.day AS date, s.weekday, lpad((s.slot / 2)::text, 2, '0') || ':'
                           || CASE WHEN s.slot %% 2 = 0 THEN '00' ELSE '30' END AS slot,
                           s.slot / 2 AS hour, s.orders, s.lines, s.gmv, s.redemptions,
                           s.orders + s.redemptions AS visits
                      FROM city_dashboard_slot s
                      JOIN res_partner p ON p.id = s.merchant_id
                      JOIN res_company c ON c.id = s.company_id
                )
                """,
                SQL.identifier(self._table),
            )
        )
