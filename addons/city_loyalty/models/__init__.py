# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import res_company
from . import res_config_settings
from . import city_points_tier
from . import city_points_rule
from . import city_points_wallet
from . import city_points_wallet_posting
from . import city_points_wallet_earning
from . import city_points_ledger
from . import city_points_lot
from . import city_points_lot_consumption
from . import city_points_booking
from . import city_points_rejection
from . import city_member_spend
from . import city_member_notification
from . import city_points_reward
from . import city_points_redemption
from . import city_points_report
from . import res_partner
from . import sale_order
