# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityBenchRow(models.Model):
    """One lean row per request of the single-row-insert baseline."""

    _name = "city.bench.row"
    _description = "Benchmark row"

    name = fields.Char()
