# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""1.2: a single merchant's member figures read its gap rows: build them once."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if version:
        api.Environment(cr, SUPERUSER_ID, {})["city.dashboard.rollup"]._city_rebuild_merchant_gaps()
