# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import res_company
from . import res_partner
from . import product_template
from . import city_split_rule
from . import city_escrow
from . import city_settlement_allocation
from . import city_settlement
from . import city_settlement_payout
from . import sale_order
from . import payment_transaction
from . import account_move
from . import city_payment_bill_mapping
from . import city_payment_bill
from . import city_payment_bill_line
from . import city_payment_fund_line
from . import city_reconciliation
from . import city_reconciliation_difference
