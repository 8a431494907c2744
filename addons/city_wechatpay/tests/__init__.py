# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import test_signature
from . import test_provider
from . import test_payment
from . import test_notice
from . import test_refund
from . import test_refund_companies
from . import test_bill
from . import test_sub_bill
from . import test_partner
from . import test_tour
from . import test_combine
from . import test_partner_money
from . import test_profit_sharing
from . import test_partner_commission
from . import test_share_cap
