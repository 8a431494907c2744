# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import res_partner
from . import payment_provider
from . import city_wechatpay_mall_payment
from . import city_wechatpay_mall_refund
from . import city_wechatpay_mall_authorization
from . import city_wechatpay_notice
