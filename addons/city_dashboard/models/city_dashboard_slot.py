# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models

from odoo.addons.city_base.models.city_merchant_hours import WEEKDAYS


class CityDashboardSlot(models.Model):
    """Activity of one merchant in one 30-minute slot of one local day (a rollup).

    Written only by :meth:`city.dashboard.rollup._city_refresh` (set-based SQL that
    recomputes whole merchant-days from the append-only base tables), never by the
    paying transaction: no counter row is touched by a sale.
    """

    _name = "city.dashboard.slot"
    _description = "Cockpit Rollup: Merchant Activity per 30 Minutes"
    _log_access = False
    _order = "day desc, slot"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    merchant_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade")
    day = fields.Date(required=True, readonly=True)
    weekday = fields.Selection(WEEKDAYS, required=True, readonly=True)
    slot = fields.Integer(required=True, readonly=True, help="Half hour of the local day: 0 = 00:00, 47 = 23:30.")
    orders = fields.Integer(readonly=True, help="Paid orders (an order's part at this merchant).")
    lines = fields.Integer(readonly=True, help="Paid order lines (escrow lines).")
    gmv = fields.Float(string="GMV", digits=(16, 2), readonly=True)
    redemptions = fields.Integer(readonly=True)
    redeemed_uses = fields.Integer(readonly=True)

    def init(self):
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS city_dashboard_slot_key"
            " ON city_dashboard_slot (merchant_id, day, slot, company_id)"
        )
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS city_dashboard_slot_day ON city_dashboard_slot (day)")


class CityDashboardDistrictSlot(models.Model):
    """The district's activity in one 30-minute slot of one local day, per company (a rollup).

    The sums of :class:`CityDashboardSlot` over the merchants, recomputed by the rollup run
    for the days it touches: the cockpit of the whole district reads at most 48 rows a day
    whatever the number of merchants and lines.
    """

    _name = "city.dashboard.district.slot"
    _description = "Cockpit Rollup: District Activity per 30 Minutes"
    _log_access = False
    _order = "day desc, slot"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    day = fields.Date(required=True, readonly=True)
    weekday = fields.Selection(WEEKDAYS, required=True, readonly=True)
    slot = fields.Integer(required=True, readonly=True, help="Half hour of the local day: 0 = 00:00, 47 = 23:30.")
    orders = fields.Integer(readonly=True)
    lines = fields.Integer(readonly=True)
    gmv = fields.Float(string="GMV", digits=(16, 2), readonly=True)
    redemptions = fields.Integer(readonly=True)
    redeemed_uses = fields.Integer(readonly=True)

    def init(self):
        # The cockpit reads a range of a company's days (a covering index).
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS city_dashboard_district_slot_key ON city_dashboard_district_slot"
            " (company_id, day, slot) INCLUDE (weekday, orders, gmv, redemptions)"
        )
