# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import city_alliance
from . import city_alliance_trigger
from . import city_alliance_event
from . import city_coupon_issue
from . import city_campaign
from . import city_campaign_send
from . import city_alliance_attribution
from . import city_points_booking
from . import city_ticket
from . import loyalty_program
from . import res_partner
from . import sale_order
from . import stock_picking
from . import city_segment
from . import city_segment_rule
from . import city_member_segment
from . import res_partner_segment
from . import city_recommendation_link
