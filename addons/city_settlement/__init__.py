# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import engine
from . import models
from . import demo
from . import wizard


def _city_settlement_post_init(env):
    """Create the settlement accounts and journal of every company with a chart."""
    for company in env["res.company"].search([]):
        if company.chart_template or env["account.account"].search_count([("company_ids", "in", company.id)], limit=1):
            company._city_get_accounts()
