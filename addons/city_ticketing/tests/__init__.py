# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_products
from . import test_issue
from . import test_redeem
from . import test_transfer_expiry
from . import test_access
from . import test_concurrency
from . import test_api
from . import test_tour
from . import test_odoo_users
from . import test_companies
from . import test_demo
