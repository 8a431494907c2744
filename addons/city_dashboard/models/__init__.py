# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import city_dashboard_slot
from . import city_dashboard_member_day
from . import city_dashboard_gap_mixin
from . import city_dashboard_member_gap
from . import city_dashboard_merchant_gap
from . import city_dashboard_category_gap
from . import city_dashboard_points_day
from . import city_dashboard_rollup
from . import city_dashboard
from . import city_dashboard_activity_report
from . import city_dashboard_coupon_report
from . import city_dashboard_points_report
from . import city_dashboard_demo
