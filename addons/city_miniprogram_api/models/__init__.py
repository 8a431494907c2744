# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import city_mp_error
from . import ir_http
from . import city_mp_rate_limit
from . import city_mp_session
from . import city_mp_wechat_token
from . import city_mp_order_key
from . import res_partner
from . import product_template
from . import product_pricelist
from . import sale_order
from . import city_mp_review
from . import city_mp_subscription
from . import city_mp_message
from . import city_ticket
from . import city_coupon_issue
