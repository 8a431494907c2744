# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityDashboardMemberDay(models.Model):
    """A member's paid orders at one merchant on one local day (a rollup).

    New and returning members and the repurchase rate are distinct counts: they
    cannot be summed from the slot rollup, so they read this one, whose size
    follows members and days, not order lines.

    ``first_visit`` marks the member's first day at the merchant (kept exact by the
    rollup run, late commits included): the members new in a period are then found
    among the few first visits of the period (two partial indexes), not by looking
    back for each active member.
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
    first_visit = fields.Boolean(readonly=True)

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
        # A member's days at one merchant (the rollup run marks the first).
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS city_dashboard_member_day_pair"
            " ON city_dashboard_member_day (partner_id, merchant_id, company_id, day)"
        )
        # First visits: those of a period (by merchant), and a member's earlier ones.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS city_dashboard_member_day_first ON city_dashboard_member_day"
            " (merchant_id, day) INCLUDE (partner_id, company_id) WHERE first_visit"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS city_dashboard_member_day_first_partner ON city_dashboard_member_day"
            " (partner_id, day) INCLUDE (merchant_id, company_id) WHERE first_visit"
        )
