# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityDashboardMemberDay(models.Model):
    """A member's paid orders at one merchant on one local day (a rollup).

    New and returning members and the repurchase rate are distinct counts: they
    cannot be summed from the slot rollup, so they read this one, whose size
    follows members and days, not order lines.
    """

    _name = "city.dashboard.member.day"
    _description = "Cockpit Rollup: Member Orders per Day"
    _log_access = False
    _order = "day desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    merchant_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Member", required=True, readonly=True, ondelete="cascade")
    day = fields.Date(required=True, readonly=True)
    orders = fields.Integer(readonly=True)
    gmv = fields.Float(string="GMV", digits=(16, 2), readonly=True)

    def init(self):
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS city_dashboard_member_day_key"
            " ON city_dashboard_member_day (merchant_id, day, partner_id, company_id)"
        )
        # "Has the member ordered here before?" (new vs returning members).
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS city_dashboard_member_day_partner"
            " ON city_dashboard_member_day (partner_id, day, merchant_id)"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS city_dashboard_member_day_day ON city_dashboard_member_day (day)"
        )
