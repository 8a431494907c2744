# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import test_wallet
from . import test_earning
from . import test_wallet_property
from . import test_concurrency
from . import test_mall
from . import test_settlement
from . import test_tour
from . import test_settings
from . import test_guards
from . import test_earning_engine
from . import test_companies
from . import test_rpc_surface
