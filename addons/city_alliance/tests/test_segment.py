# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Segments on a generated population with known behaviour.

Each shipped segment has members placed just inside its rule and twins placed just
outside (one order short, the wrong hour or day, too far, a cent below); the
nightly computation must classify every one of them exactly.
"""

from datetime import timedelta

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .growth_common import CityGrowthCommon

SEGMENTS = [
    "night_snack",
    "fitness",
    "office_lunch",
    "family",
    "weekend_movie",
    "light_meal",
    "milk_tea",
    "high_value",
    "new_member",
    "price_sensitive",
    "sleeping",
    "churn_risk",
    "browse_no_buy",
]


@tagged("post_install", "-at_install")
class TestSegment(CityGrowthCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m = cls.merchants
        cls.segments = {code: cls.env.ref(f"city_alliance.segment_{code}") for code in SEGMENTS}
        cls.people = {}

        def member(name, old=True, fill=True, **vals):
            vals = {"partner_latitude": cls.base_lat + 0.001, "partner_longitude": cls.base_lon, **vals}
            partner = cls._create_member(name, **vals)
            cls.people[name] = partner
            rows = []
            if old:
                rows.append((partner, m["shop"], cls._at(200, 20.0), 20.0))
            if fill:
                rows.append((partner, m["shop"], cls._at(3, 16.0), 10.0))
            return partner, rows

        at = cls._at
        orders, redemptions, events = [], [], []

        def add(name, order_rows=(), redemption_rows=(), event_rows=(), **kw):
            partner, rows = member(name, **kw)
            orders.extend(rows)
            orders.extend((partner, *row) for row in order_rows)
            redemptions.extend((partner, *row) for row in redemption_rows)
            events.extend({"partner_id": partner.id, **vals} for vals in event_rows)

        # 夜宵党: 4 meals 21:00–03:00 (also after midnight); the twin's 4th is at 19:00.
        add("night_in", [(m["dining"], at(d, 22.5), 30.0) for d in (1, 2, 3, 4)])
        add("night_in_late", [(m["dining"], at(d, 2.0), 30.0) for d in (1, 2, 3, 4)])
        add("night_out", [(m["dining"], at(d, 22.5), 30.0) for d in (1, 2, 3)] + [(m["dining"], at(4, 19.0), 30.0)])
        # 白领午餐: 8 weekday lunches; the twin's 8th is on a Saturday.
        weekdays = (3, 4, 5, 6, 7, 10, 11, 12)  # NOW is a Monday: days 3–7 and 10–12 ago are weekdays
        add("lunch_in", [(m["dining"], at(d, 12.0), 25.0) for d in weekdays])
        add("lunch_out", [(m["dining"], at(d, 12.0), 25.0) for d in weekdays[:7]] + [(m["dining"], at(2, 12.0), 25.0)])
        # 健身族: 6 gym visits redeemed in 30 days, the twin 5.
        add("fitness_in", redemption_rows=[(m["fitness"], at(d, 19.0)) for d in range(1, 7)])
        add("fitness_out", redemption_rows=[(m["fitness"], at(d, 19.0)) for d in range(1, 6)])
        # 亲子家庭: 2 kids' orders in 90 days; the twin's second is 100 days ago.
        add("family_in", [(m["kids"], at(d, 10.0), 99.0) for d in (10, 80)])
        add("family_out", [(m["kids"], at(d, 10.0), 99.0) for d in (10, 100)])
        # 周末观影: 2 films redeemed on a weekend; the twin's second on a Wednesday.
        add("movie_in", redemption_rows=[(m["cinema"], at(1, 19.0, weekday=5)), (m["cinema"], at(8, 19.0, weekday=6))])
        add("movie_out", redemption_rows=[(m["cinema"], at(1, 19.0, weekday=5)), (m["cinema"], at(1, 19.0, weekday=2))])
        # 轻食控: 8 light meals within 3 km of where the member was last seen (or lives).
        light = [(m["light"], at(d, 15.0), 35.0, cls.product_light) for d in range(1, 9)]
        near = {"event_type": "location", "latitude": cls.base_lat + 0.002, "longitude": cls.base_lon}
        # Lives far away, but was last seen in the district: the last location counts.
        add("light_in", light, event_rows=[near], partner_latitude=cls.base_lat + 0.3)
        add("light_home_in", light)  # no location reported: the address's coordinates
        add("light_far_out", [(m["light_far"], at(d, 15.0), 35.0, cls.product_light_far) for d in range(1, 9)])
        add("light_mix_out", [*light[:7], (m["light"], at(8, 15.0), 35.0, cls.product_steak)])
        # 奶茶控: 6 tea orders, the twin 5.
        add("tea_in", [(m["tea"], at(d, 15.0), 18.0) for d in range(1, 7)])
        add("tea_out", [(m["tea"], at(d, 15.0), 18.0) for d in range(1, 6)])
        # 高价值: ¥2,000.00 in 90 days (with the ¥10 filler), the twin one cent less.
        add("value_in", [(m["shop"], at(5), 1000.0), (m["shop"], at(6), 990.0)])
        add("value_out", [(m["shop"], at(5), 1000.0), (m["shop"], at(6), 989.99)])
        # 新客: first order within 30 days; the twin's first was 31 days ago.
        add("new_in", [(m["shop"], at(5), 15.0)], old=False, fill=False)
        add("new_out", [(m["shop"], at(31), 15.0), (m["shop"], at(5), 15.0)], old=False, fill=False)
        # 价格敏感: half of 4 orders with a coupon (the filler has none); the twin a quarter.
        add("price_in", [(m["shop"], at(d), 30.0, None, d != 7) for d in (5, 6, 7)])
        add("price_out", [(m["shop"], at(d), 30.0, None, d == 5) for d in (5, 6, 7)])
        # 沉睡会员: bought before, nothing in 60 days; the twin bought 59 days ago.
        add("sleep_in", [(m["shop"], at(61), 20.0)], fill=False)
        add("sleep_out", [(m["shop"], at(59), 20.0)], fill=False)
        # 流失预警: 4 orders in the 56 days before the last 14, none since; the twin one since.
        churn = [(m["shop"], at(d), 20.0) for d in (20, 30, 40, 50)]
        add("churn_in", churn, fill=False)
        add("churn_out", [*churn, (m["shop"], at(5), 20.0)], fill=False)
        # 爱逛不买: 10 merchant views in 14 days and no order; twins: an order, or 9 views.
        views = [
            {"event_type": "view_merchant", "merchant_id": m["tea"].id, "occurred_at": at(d)} for d in range(1, 11)
        ]
        add("browse_in", event_rows=views, fill=False)
        add("browse_order_out", [(m["shop"], at(2), 20.0)], event_rows=views, fill=False)
        add("browse_few_out", event_rows=views[:9], fill=False)

        cls._orders(orders)
        cls._redemptions(redemptions)
        cls._events(events)
        cls.expected = {
            "night_snack": {"night_in", "night_in_late"},
            "office_lunch": {"lunch_in"},
            "fitness": {"fitness_in"},
            "family": {"family_in"},
            "weekend_movie": {"movie_in"},
            "light_meal": {"light_in", "light_home_in"},
            "milk_tea": {"tea_in"},
            "high_value": {"value_in"},
            "new_member": {"new_in"},
            "price_sensitive": {"price_in"},
            # The browsers bought only long ago: they sleep too.
            "sleeping": {"sleep_in", "browse_in", "browse_few_out"},
            "churn_risk": {"churn_in"},
            "browse_no_buy": {"browse_in"},
        }

    def _members(self, code):
        segment = self.segments[code]
        names = {partner.id: name for name, partner in self.people.items()}
        current = self.env["city.member.segment"].search([("segment_id", "=", segment.id), ("is_current", "=", True)])
        return {names.get(p.id, p.name) for p in current.partner_id}

    def test_every_rule_classifies_the_population_exactly(self):
        segments = self.env["city.segment"].browse([s.id for s in self.segments.values()])
        self.assertGreaterEqual(len(segments), 12)
        result = segments._city_compute(now=self.NOW)
        for code, expected in self.expected.items():
            with self.subTest(segment=code):
                self.assertEqual(self._members(code), expected)
                self.assertEqual(result[self.segments[code].id], (len(expected), 0))
                self.assertEqual(self.segments[code].member_count, len(expected))

    def test_history_entered_and_left(self):
        sleeping, new = self.segments["sleeping"], self.segments["new_member"]
        (sleeping | new)._city_compute(now=self.NOW)
        stays = self.env["city.member.segment"].search([("segment_id", "in", (sleeping | new).ids)])
        self.assertEqual(set(stays.mapped("date_entered")), {self.NOW})
        stamps = {stay.id: stay.write_date for stay in stays}
        # A day later the sleeper buys again: the stay is closed, the others are not touched.
        later = self.NOW + timedelta(days=1)
        self._orders([(self.people["sleep_in"], self.merchants["shop"], self.NOW + timedelta(hours=2), 20.0)])
        result = (sleeping | new)._city_compute(now=later)
        self.assertEqual(result[sleeping.id], (0, 1))
        self.assertEqual(result[new.id], (0, 0))
        stay = stays.filtered(lambda s: s.partner_id == self.people["sleep_in"])
        self.assertEqual((stay.is_current, stay.date_left), (False, later))
        for other in stays - stay:
            self.assertEqual((other.is_current, other.date_left, other.write_date), (True, False, stamps[other.id]))
        self.assertNotIn("sleep_in", self._members("sleeping"))
        # Its history stays on the member, seen by an operator.
        history = self.people["sleep_in"].with_user(self.operator).city_segment_membership_ids
        self.assertIn(sleeping, history.segment_id)
        self.assertNotIn(sleeping, self.people["sleep_in"].with_user(self.operator).city_segment_ids)
        self.assertIn(sleeping, self.people["browse_in"].with_user(self.operator).city_segment_ids)

    def test_operator_edits_parameters(self):
        tea = self.segments["milk_tea"]
        tea._city_compute(now=self.NOW)
        self.assertEqual(self._members("milk_tea"), {"tea_in"})
        tea.rule_ids.with_user(self.operator).write({"min_value": 5})
        tea.with_user(self.operator).action_compute()  # now-based: the population is days old, still inside
        self.assertEqual(self._members("milk_tea"), {"tea_in", "tea_out"})
        with self.assertRaises(ValidationError):
            tea.rule_ids.with_user(self.operator).write({"hour_from": 25})
        with self.assertRaises(ValidationError):
            tea.rule_ids.with_user(self.operator).write({"kind": "coupon_share", "source": "event"})

    def test_access(self):
        self.segments["milk_tea"]._city_compute(now=self.NOW)
        for user in (self.manager_a, self.staff_a, self.accountant):
            with self.subTest(user=user.login):
                for model in ("city.segment", "city.segment.rule", "city.member.segment"):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.segments["milk_tea"].with_user(user).action_compute()
        self.assertTrue(self.env["city.member.segment"].with_user(self.operator).search_count([]))
        with self.assertRaises(AccessError):
            self.env["city.member.segment"].with_user(self.operator).search([], limit=1).write({"is_current": False})
