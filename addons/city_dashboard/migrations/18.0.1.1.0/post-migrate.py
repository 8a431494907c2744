# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""1.1: the district's member figures read the gap rollup: build it (and its visits) once."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if version:
        api.Environment(cr, SUPERUSER_ID, {})["city.dashboard.rollup"]._city_rebuild_member_gaps()
