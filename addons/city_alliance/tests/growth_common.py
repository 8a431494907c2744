# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base of the growth side of city_alliance: a small district with one merchant
per category, open all day, and helpers that place members' behaviour at chosen times."""

from datetime import datetime, timedelta

import pytz

from odoo.addons.city_loyalty.tests.common import CityLoyaltyCommon

from .population import insert_orders, insert_redemptions

TZ = pytz.timezone("Asia/Shanghai")


class CityGrowthCommon(CityLoyaltyCommon):
    # A Monday, 12:00 in Shanghai.
    NOW = datetime(2026, 11, 30, 4, 0, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Tests own the district's behaviour: segments and links are computed over the whole
        # company, so the database's own members' orders, redemptions and events (demo data,
        # city_dashboard's weeks of history) are set aside for the test (rolled back after it).
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE city_escrow SET partner_id = NULL WHERE partner_id IS NOT NULL")
        cls.env.cr.execute("UPDATE city_ticket_redemption SET partner_id = NULL WHERE partner_id IS NOT NULL")
        cls.env.cr.execute("DELETE FROM city_member_event")
        cls.env.invalidate_all()
        cls.company.partner_id.tz = "Asia/Shanghai"
        ref = cls.env.ref
        base_lat, base_lon = 31.2300, 121.4500
        cls.merchants = {}
        for key, category in (
            ("dining", "dining"),
            ("tea", "tea"),
            ("cinema", "cinema"),
            ("fitness", "fitness"),
            ("kids", "kids"),
            ("shop", "supermarket"),
            ("light", "dining"),
        ):
            cls.merchants[key] = cls._create_growth_merchant(
                f"增长测试{key}", ref(f"city_base.merchant_category_{category}"), base_lat, base_lon
            )
        # 10 km north: outside any 3 km radius around the district.
        cls.merchants["light_far"] = cls._create_growth_merchant(
            "增长测试远处轻食", ref("city_base.merchant_category_dining"), base_lat + 0.09, base_lon
        )
        cls.light_categ = ref("city_alliance.product_category_light_meal")
        cls.product_light = cls._create_product("轻食沙拉", cls.merchants["light"], 35.0, categ_id=cls.light_categ.id)
        cls.product_light_far = cls._create_product(
            "远处沙拉", cls.merchants["light_far"], 35.0, categ_id=cls.light_categ.id
        )
        cls.product_steak = cls._create_product("牛排", cls.merchants["light"], 35.0)
        cls.product_ticket = cls._create_product("次卡", cls.merchants["fitness"], 50.0)
        program = cls.env["loyalty.program"].create(
            {
                "name": "增长测试券",
                "program_type": "coupons",
                "reward_ids": [(0, 0, {"reward_type": "discount", "discount": 10, "discount_mode": "per_order"})],
            }
        )
        cls.reward = program.reward_ids[:1]
        cls.base_lat, cls.base_lon = base_lat, base_lon

    @classmethod
    def _create_growth_merchant(cls, name, category, latitude, longitude):
        return cls._create_merchant(
            name,
            category,
            latitude,
            longitude,
            opening_hours_ids=[(0, 0, {"dayofweek": str(day), "hour_from": 0.0, "hour_to": 24.0}) for day in range(7)],
        )

    @classmethod
    def _at(cls, days_ago, local_hour=12.0, weekday=None):
        """Naive UTC of ``days_ago`` days before NOW at ``local_hour`` Shanghai time;
        with ``weekday`` (0 = Monday), the last such weekday on or before that day."""
        local_now = pytz.utc.localize(cls.NOW).astimezone(TZ)
        day = local_now.date() - timedelta(days=days_ago)
        if weekday is not None:
            day -= timedelta(days=(day.weekday() - weekday) % 7)
        hour, minute = int(local_hour), round((local_hour % 1) * 60)
        local = TZ.localize(datetime(day.year, day.month, day.day, hour, minute))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @classmethod
    def _orders(cls, rows):
        return insert_orders(cls.env, cls.company, rows, reward=cls.reward)

    @classmethod
    def _redemptions(cls, rows):
        insert_redemptions(cls.env, cls.company, cls.product_ticket, rows)

    @classmethod
    def _events(cls, vals_list):
        return cls.env["city.member.event"]._city_log_events(vals_list)
