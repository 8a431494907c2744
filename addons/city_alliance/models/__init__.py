# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from . import city_segment
from . import city_segment_rule
from . import city_member_segment
from . import res_partner_segment
from . import city_recommendation_link
