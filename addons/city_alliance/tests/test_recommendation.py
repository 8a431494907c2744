# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Recommendation links learned from a planted co-purchase pattern."""

import random
from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .growth_common import CityGrowthCommon


@tagged("post_install", "-at_install")
class TestRecommendation(CityGrowthCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m = cls.merchants
        rng = random.Random(12)
        orders, redemptions = [], []
        cls.members = [cls._create_member(f"推荐会员{i}") for i in range(60)]
        # Planted: 20 members see a film and have tea 40 minutes later.
        for i, member in enumerate(cls.members[:20]):
            start = cls._at(2 + i % 20, 19.0)
            redemptions.append((member, m["cinema"], start))
            orders.append((member, m["tea"], start + timedelta(minutes=40), 18.0))
        # A weaker pattern: 4 members eat after the film.
        for member in cls.members[20:24]:
            start = cls._at(5, 18.0)
            redemptions.append((member, m["cinema"], start))
            orders.append((member, m["dining"], start + timedelta(hours=2), 60.0))
        # Noise: purchases days apart, never two within the window.
        keys = ["dining", "tea", "cinema", "fitness", "kids", "shop"]
        for member in cls.members[24:]:
            for k in range(3):
                orders.append((member, m[rng.choice(keys)], cls._at(3 + 7 * k, 12.0), 30.0))
        cls._orders(orders)
        cls._redemptions(redemptions)
        cls.Link = cls.env["city.recommendation.link"]
        cls.Link._city_learn(cls.company, now=cls.NOW)
        cls.viewer = cls._create_member("刚看完电影的会员")
        cls._redemptions([(cls.viewer, m["cinema"], cls.NOW - timedelta(minutes=20))])

    def _link(self, source, target):
        return self.Link.search(
            [
                ("source_merchant_id", "=", self.merchants[source].id),
                ("target_merchant_id", "=", self.merchants[target].id),
            ]
        )

    def test_learned_figures(self):
        link = self._link("cinema", "tea")
        self.assertEqual(link.support, 20)
        # By hand: members at the cinema, at the tea shop and in all, in the lookback window.
        self.env.cr.execute(
            """SELECT COUNT(DISTINCT partner_id) FILTER (WHERE merchant_id = %s),
                      COUNT(DISTINCT partner_id) FILTER (WHERE merchant_id = %s), COUNT(DISTINCT partner_id)
                 FROM (SELECT partner_id, merchant_id FROM city_escrow WHERE paid_date < %s AND partner_id = ANY(%s)
                       UNION ALL
                       SELECT partner_id, merchant_id FROM city_ticket_redemption WHERE create_date < %s
                          AND partner_id = ANY(%s)) t""",
            [
                self.merchants["cinema"].id,
                self.merchants["tea"].id,
                self.NOW,
                [p.id for p in self.members],
                self.NOW,
                [p.id for p in self.members],
            ],
        )
        at_cinema, at_tea, total = self.env.cr.fetchone()
        self.assertEqual((link.source_count, link.target_count), (at_cinema, at_tea))
        self.assertAlmostEqual(link.confidence, 20 / at_cinema, places=4)
        self.assertAlmostEqual(link.lift, (20 / at_cinema) / (at_tea / total), places=3)
        self.assertEqual(self._link("cinema", "dining").support, 4)
        self.assertFalse(self._link("tea", "cinema"), "the order matters: tea came after the film")
        strongest = self.Link.search([("company_id", "=", self.company.id)], order="support desc", limit=1)
        self.assertEqual(strongest, link)

    def test_planted_pair_ranks_first_with_its_reason(self):
        ranked = self.Link._city_recommend(self.viewer, self.base_lat, self.base_lon, now=self.NOW)
        self.assertEqual(ranked[0]["merchant_id"], self.merchants["tea"].id)
        self.assertEqual(ranked[1]["merchant_id"], self.merchants["dining"].id)
        pct = round(self._link("cinema", "tea").confidence * 100)
        reason = self.Link.with_context(lang="en_US")._city_recommend(
            self.viewer, self.base_lat, self.base_lon, now=self.NOW
        )[0]["reason"]
        self.assertEqual(reason, f"{pct}% of members who watched a film go on to have milk tea within 3 hours")
        self.env["res.lang"]._activate_lang("zh_CN")
        reason = self.Link.with_context(lang="zh_CN")._city_recommend(
            self.viewer, self.base_lat, self.base_lon, now=self.NOW
        )[0]["reason"]
        self.assertEqual(reason, f"看完电影的会员 {pct}% 会在 3 小时内去喝奶茶")

    def test_operator_adjustments_and_closed_shops(self):
        tea, dining = self._link("cinema", "tea"), self._link("cinema", "dining")
        dining.with_user(self.operator).write({"pinned": True})
        ranked = self.Link._city_recommend(self.viewer, self.base_lat, self.base_lon, now=self.NOW)
        self.assertEqual(ranked[0]["merchant_id"], self.merchants["dining"].id)
        dining.with_user(self.operator).write({"pinned": False, "blocked": True})
        ranked = self.Link._city_recommend(self.viewer, self.base_lat, self.base_lon, now=self.NOW)
        self.assertNotIn(self.merchants["dining"].id, [r["merchant_id"] for r in ranked])
        # The tea shop closes at 12:00 (NOW): left out.
        self.merchants["tea"].opening_hours_ids.write({"hour_from": 8.0, "hour_to": 11.0})
        ranked = self.Link._city_recommend(self.viewer, self.base_lat, self.base_lon, now=self.NOW)
        self.assertNotIn(self.merchants["tea"].id, [r["merchant_id"] for r in ranked])
        # Relearning keeps the operator's block.
        self.Link._city_learn(self.company, now=self.NOW)
        self.assertTrue(dining.blocked)
        self.assertEqual(tea.support, 20)

    def test_pinned_link_without_support_gives_its_reason(self):
        cinema, kids = self.merchants["cinema"], self.merchants["kids"]
        link = self.Link.with_user(self.operator).create(
            {"source_merchant_id": cinema.id, "target_merchant_id": kids.id, "pinned": True}
        )
        self.assertFalse(link.support)
        reason = link.with_context(lang="en_US")._city_reason()
        self.assertEqual(reason, f"Recommended by the district after {cinema.name}: {kids.name}")

    def test_access(self):
        for user in (self.manager_a, self.staff_a):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Link.with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.Link.with_user(user).action_learn()
        self.assertTrue(self.Link.with_user(self.operator).search_count([]))
