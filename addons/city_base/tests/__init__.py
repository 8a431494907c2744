# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import test_access
from . import test_allocation
from . import test_merchant
from . import test_tokens
from . import test_tour
from . import test_hashchain
from . import test_hash_chain_mixin
