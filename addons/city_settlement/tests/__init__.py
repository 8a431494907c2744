# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import test_core
from . import test_engine
from . import test_settlement
from . import test_scenario
from . import test_bill_engine
from . import test_reconciliation
from . import test_reconciliation_xlsx
from . import test_localization
from . import test_product_taxes
from . import test_fund_flow
