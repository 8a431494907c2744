# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import controllers
from . import models


def _city_dashboard_post_init(env):
    """Build the rollups from the data already in the database."""
    env["city.dashboard.rollup"]._city_rebuild()
