# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The earning engine (plain Python, no database): rule points, checks and their order, batch limits."""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from odoo.addons.city_loyalty.engine.earning import Attempt, EarningEngine, Outcome, Rule, rule_points

PURCHASE = Rule(id=1, event="purchase", points_per_yuan=1.0)
REVIEW = Rule(id=2, event="review", points=20, daily_cap=40)


@tagged("post_install", "-at_install")
class TestEarningEngine(BaseCase):
    def test_rule_points(self):
        self.assertEqual(rule_points(PURCHASE, 11550), 115)  # ¥115.50 at 1 point per yuan
        self.assertEqual(rule_points(PURCHASE, 11550, 2.0), 230)
        self.assertEqual(rule_points(Rule(id=3, event="purchase", points_per_yuan=1.5), 999), 14)
        no_tier = Rule(id=4, event="purchase", points_per_yuan=1.0, apply_tier_multiplier=False)
        self.assertEqual(rule_points(no_tier, 10000, 3.0), 100)
        capped = Rule(id=5, event="purchase", points_per_yuan=1.0, per_event_cap=50)
        self.assertEqual(rule_points(capped, 10000, 2.0), 50)
        self.assertEqual(rule_points(REVIEW, 999999), 20)  # fixed points, whatever the amount
        self.assertEqual(rule_points(Rule(id=6, event="purchase", points_per_yuan=1.0), -500), 0)

    @settings(max_examples=100, deadline=None)
    @given(
        amount=st.integers(min_value=0, max_value=10**9),
        per_yuan=st.floats(min_value=0, max_value=20, allow_nan=False),
        multiplier=st.floats(min_value=0.1, max_value=5, allow_nan=False),
        cap=st.integers(min_value=0, max_value=10_000),
    )
    def test_rule_points_bounds(self, amount, per_yuan, multiplier, cap):
        rule = Rule(id=1, event="purchase", points_per_yuan=per_yuan, per_event_cap=cap)
        points = rule_points(rule, amount, multiplier)
        self.assertGreaterEqual(points, 0)
        if cap:
            self.assertLessEqual(points, cap)
        self.assertEqual(points, rule_points(rule, amount, multiplier))  # deterministic

    def test_checks_in_order(self):
        engine = EarningEngine(velocity_max=10, seen={(1, "dup")})
        refusals = [
            (Attempt(wallet_id=1, rule=PURCHASE, is_member=False, flagged=True), "not_member"),
            (Attempt(wallet_id=1, rule=PURCHASE, flagged=True, flag_reason="x", event_key="dup"), "flagged"),
            (Attempt(wallet_id=1, rule=PURCHASE, event_key="dup"), "duplicate"),
            (Attempt(wallet_id=1, rule=None, amount_fen=1000), "no_rule"),
            (Attempt(wallet_id=1, rule=PURCHASE, amount_fen=99), "zero"),
        ]
        for attempt, reason in refusals:
            outcome = engine.evaluate(attempt)
            self.assertEqual(outcome.reason, reason, attempt)
            self.assertFalse(outcome.accepted)
        self.assertEqual(engine.evaluate(refusals[1][0]).message, "x")
        # Refusals count for nothing.
        self.assertEqual(engine.hourly, {})
        forced = engine.evaluate(Attempt(wallet_id=1, points=7))
        self.assertEqual((forced.points, forced.accepted), (7, True))

    def test_daily_cap_and_velocity_across_a_batch(self):
        engine = EarningEngine(velocity_max=4, daily={(1, REVIEW.id): 15})
        outcomes = [engine.evaluate(Attempt(wallet_id=1, rule=REVIEW, event_key=f"r{i}")) for i in range(3)]
        self.assertEqual([(o.points, o.reason) for o in outcomes], [(20, None), (5, None), (20, "daily_cap")])
        self.assertEqual(engine.daily[(1, REVIEW.id)], 40)
        # Two earnings counted (the refusal not): two more reach the velocity limit, the next is flagged.
        self.assertTrue(engine.evaluate(Attempt(wallet_id=1, rule=PURCHASE, amount_fen=500)).accepted)
        self.assertTrue(engine.evaluate(Attempt(wallet_id=1, rule=PURCHASE, amount_fen=500)).accepted)
        too_fast = engine.evaluate(Attempt(wallet_id=1, rule=PURCHASE, amount_fen=500))
        self.assertEqual((too_fast.reason, too_fast.flag, too_fast.points), ("velocity", True, 5))
        # Another wallet has limits of its own; an accepted key is a duplicate the second time.
        self.assertTrue(engine.evaluate(Attempt(wallet_id=2, rule=PURCHASE, amount_fen=500, event_key="k")).accepted)
        self.assertEqual(engine.evaluate(Attempt(wallet_id=2, rule=PURCHASE, event_key="k")).reason, "duplicate")

    def test_a_module_adds_a_check(self):
        class NoNightEngine(EarningEngine):
            checks = (*EarningEngine.checks, "_check_even_wallet")

            def _check_even_wallet(self, attempt, outcome):
                return Outcome(points=outcome.points, reason="odd") if attempt.wallet_id % 2 else None

        engine = NoNightEngine(velocity_max=10)
        self.assertEqual(engine.evaluate(Attempt(wallet_id=3, rule=PURCHASE, amount_fen=500)).reason, "odd")
        self.assertEqual(engine.evaluate(Attempt(wallet_id=4, rule=PURCHASE, amount_fen=500)).points, 5)
