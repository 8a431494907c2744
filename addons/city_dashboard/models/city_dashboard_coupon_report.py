# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models, tools
from odoo.tools import SQL


class CityDashboardCouponReport(models.Model):
    """Coupons sent, claimed and used (city_alliance's issue log) as a reporting view."""

    _name = "city.dashboard.coupon.report"
    _description = "Coupon Analysis"
    _auto = False
    _order = "date desc"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    merchant_id = fields.Many2one("res.partner", string="Used At", readonly=True)
    source_merchant_id = fields.Many2one("res.partner", string="Issued At", readonly=True)
    alliance_id = fields.Many2one("city.alliance", readonly=True)
    program_id = fields.Many2one("loyalty.program", string="Coupon Program", readonly=True)
    date = fields.Date(string="Sent On", readonly=True)
    sent = fields.Integer(readonly=True)
    claimed = fields.Integer(readonly=True)
    used = fields.Integer(readonly=True)
    discount_amount = fields.Monetary(string="Discount", readonly=True)
    revenue_amount = fields.Monetary(string="Revenue", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        tz = self.env["city.dashboard.rollup"]._city_tz()
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT i.id, i.company_id, c.currency_id, i.merchant_id, i.source_merchant_id, i.alliance_id,
                           i.program_id, (i.create_date AT TIME ZONE 'UTC' AT TIME ZONE %s)::date AS date,
                           1 AS sent, (i.claimed_date IS NOT NULL OR i.state = 'used')::int AS claimed,
                           (i.state = 'used')::int AS used, i.discount_amount, i.revenue_amount
                      FROM city_coupon_issue i
                      JOIN res_company c ON c.id = i.company_id
                )
                """,
                SQL.identifier(self._table),
                tz,
            )
        )
