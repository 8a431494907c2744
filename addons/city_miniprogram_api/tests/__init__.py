# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_auth
from . import test_discovery
from . import test_orders
from . import test_tickets
from . import test_openapi
from . import test_pay
from . import test_points
from . import test_coupons
from . import test_events
from . import test_messages
