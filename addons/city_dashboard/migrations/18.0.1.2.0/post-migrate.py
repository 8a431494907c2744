# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""1.2: a merchant's and a category's member figures read their gap rows: build them once."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if version:
        api.Environment(cr, SUPERUSER_ID, {})["city.dashboard.rollup"]._city_rebuild_merchant_gaps()
        api.Environment(cr, SUPERUSER_ID, {})["city.dashboard.rollup"]._city_rebuild_category_gaps()
