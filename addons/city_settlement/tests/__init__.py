# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import test_core
from . import test_engine
from . import test_settlement
from . import test_scenario
