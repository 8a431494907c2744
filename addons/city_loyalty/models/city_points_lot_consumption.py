# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityPointsLotConsumption(models.Model):
    """How many points of which lot a spend, expiry or transfer line used (FIFO trail)."""

    _name = "city.points.lot.consumption"
    _description = "Points Lot Consumption"
    _log_access = False  # lean: its own date, inserted in bulk on the hot path
    _order = "id"

    # The lot is the ledger line that earned the points (its id is the city.points.lot id).
    lot_id = fields.Many2one("city.points.ledger", required=True, index=True, ondelete="restrict", readonly=True)
    ledger_id = fields.Many2one("city.points.ledger", required=True, index=True, ondelete="restrict", readonly=True)
    wallet_id = fields.Many2one("city.points.wallet", required=True, ondelete="restrict", readonly=True)
    points = fields.Integer(readonly=True)

    _sql_constraints = [("points_positive", "CHECK(points > 0)", "A consumption uses points.")]
