# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import test_alliance
from . import test_trigger
from . import test_coupon_money
from . import test_hotpot_ktv
from . import test_tour
from . import test_segment
from . import test_recommendation
from . import test_campaign
from . import test_trigger_concurrency
