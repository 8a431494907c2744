# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import payment_provider
from . import payment_transaction
from . import city_wechatpay_notice
from . import city_wechatpay_bill_download
from . import res_partner_combine
from . import payment_transaction_combine
from . import city_settlement_allocation_partner
