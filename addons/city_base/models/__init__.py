# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import city_merchant_mixin
from . import city_district
from . import city_merchant_category
from . import city_merchant_hours
from . import city_token_service
from . import product_template
from . import res_partner
from . import res_users
from . import city_hash_chain_mixin
from . import city_hash_chain_head
from . import city_hash_chain_check
from . import city_member_event
