# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import payment_provider
from . import payment_transaction
from . import payment_transaction_profit_sharing
from . import account_payment
from . import res_company
from . import res_partner
from . import city_split_rule
from . import product_template
from . import city_settlement
from . import city_settlement_payout
from . import city_reconciliation
from . import city_wechatpay_notice
from . import city_wechatpay_bill_download
from . import payment_transaction_combine
from . import city_settlement_allocation_partner
from . import city_settlement_payout_personal
from . import city_wechatpay_fee_adjustment
