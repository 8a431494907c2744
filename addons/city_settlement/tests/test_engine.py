# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Property-based tests of the split engine (plain Python, no database).

Over 10,000 generated cases in total: every split sums exactly to its input in
fen, is deterministic, is never negative except for refunds (which mirror the
positive split), and respects each mode's definition.
"""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from odoo.addons.city_settlement.engine.split import (
    MODES,
    Context,
    Rule,
    SplitError,
    Tier,
    platform_percent,
    points_value,
    split,
    split_combo,
)

percent = st.decimals(min_value=0, max_value=30, places=2, allow_nan=False, allow_infinity=False)
amounts = st.integers(min_value=1, max_value=10**10)
tiers = st.lists(
    st.builds(
        Tier,
        threshold=st.integers(min_value=0, max_value=10**7),
        percent=percent,
        weekdays=st.one_of(st.just(()), st.tuples(st.integers(0, 6))),
        hour_from=st.sampled_from([0.0, 6.0, 11.5, 17.0]),
        hour_to=st.sampled_from([11.5, 14.0, 22.0, 24.0]),
    ),
    max_size=4,
)
rules = st.builds(
    Rule,
    mode=st.sampled_from(MODES),
    merchant_percent=st.decimals(min_value=50, max_value=100, places=2, allow_nan=False, allow_infinity=False),
    platform_fee_percent=st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False),
    channel_fee_percent=st.decimals(min_value=0, max_value=1, places=2, allow_nan=False, allow_infinity=False),
    commission_l1_percent=st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False),
    commission_l2_percent=st.decimals(min_value=0, max_value=3, places=2, allow_nan=False, allow_infinity=False),
    franchise_percent=st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False),
    franchise_beneficiary=st.sampled_from([None, 900]),
    fixed_fen=st.integers(min_value=0, max_value=10**8),
    tiers=tiers.map(tuple),
    points_fee_percent=percent,
)
contexts = st.builds(
    Context,
    merchant=st.just(1),
    order_amount=st.integers(min_value=0, max_value=10**9),
    period_volume=st.integers(min_value=0, max_value=10**10),
    weekday=st.integers(0, 6),
    hour=st.floats(min_value=0, max_value=23.99),
    referrers=st.sampled_from([(), (501,), (501, 502), (None, 502)]),
)

CASES = 5000


def _by_role(shares):
    result = {}
    for share in shares:
        result[share.role] = result.get(share.role, 0) + share.amount
    return result


@tagged("post_install", "-at_install")
class TestSplitProperties(BaseCase):
    @settings(max_examples=CASES, deadline=None)
    @given(amounts, rules, contexts)
    def test_exact_deterministic_non_negative(self, amount, rule, ctx):
        shares = split(amount, rule, ctx)
        self.assertEqual(sum(s.amount for s in shares), amount)
        self.assertEqual(split(amount, rule, ctx), shares, "deterministic")
        self.assertTrue(all(s.amount > 0 for s in shares), shares)
        self.assertEqual(len({(s.role, s.beneficiary) for s in shares}), len(shares), "one share per beneficiary")
        # Each percentage share is within one fen of its exact value.
        roles = _by_role(shares)
        exact_channel = Fraction(amount) * Fraction(rule.channel_fee_percent) / 100
        self.assertLessEqual(abs(roles.get("channel_fee", 0) - exact_channel), 1)
        if rule.mode != "fixed":
            exact_platform = Fraction(amount) * platform_percent(rule, ctx) / 100
            self.assertLessEqual(abs(roles.get("platform_fee", 0) - exact_platform), 1)

    @settings(max_examples=CASES // 2, deadline=None)
    @given(amounts, rules, contexts)
    def test_refund_mirrors_the_split(self, amount, rule, ctx):
        shares = split(amount, rule, ctx)
        refund = split(-amount, rule, ctx)
        self.assertEqual(sum(s.amount for s in refund), -amount)
        self.assertEqual([(s.role, s.beneficiary, -s.amount) for s in refund], list(map(tuple, shares)))
        self.assertTrue(all(s.amount < 0 for s in refund))

    @settings(max_examples=1000, deadline=None)
    @given(
        amounts,
        st.lists(
            st.tuples(st.text(min_size=1, max_size=3), st.integers(min_value=1, max_value=1000)), min_size=1, max_size=6
        ),
    )
    def test_combo_weights(self, amount, components):
        parts = split_combo(amount, components)
        self.assertEqual(sum(p for _k, p in parts), amount)
        total = sum(w for _k, w in components)
        for (_key, weight), (_k, part) in zip(components, parts, strict=True):
            self.assertLessEqual(abs(part - Fraction(amount * weight, total)), 1)

    @settings(max_examples=1000, deadline=None)
    @given(amounts, st.integers(min_value=0, max_value=10**7), percent)
    def test_fixed_amount_mode(self, amount, fixed, fee):
        shares = _by_role(split(amount, Rule(mode="fixed", fixed_fen=fixed, channel_fee_percent=fee), Context()))
        channel = shares.get("channel_fee", 0)
        self.assertEqual(shares.get("merchant", 0), min(fixed, amount - channel))
        self.assertEqual(shares.get("platform_fee", 0), amount - channel - shares.get("merchant", 0))

    @settings(max_examples=1000, deadline=None)
    @given(amounts, st.integers(min_value=0, max_value=10**6), st.integers(0, 6), st.floats(0, 23.99))
    def test_tiers_and_slots(self, amount, metric, weekday, hour):
        table = (Tier(threshold=0, percent=Decimal(10)), Tier(threshold=50000, percent=Decimal(5)))
        for mode, ctx in (
            ("tier_amount", Context(order_amount=metric)),
            ("tier_volume", Context(period_volume=metric)),
        ):
            expected = Fraction(5 if metric >= 50000 else 10)
            self.assertEqual(platform_percent(Rule(mode=mode, tiers=table), ctx), expected)
        slots = (Tier(weekdays=(5,), hour_from=11.0, hour_to=14.0, percent=Decimal(20)),)
        in_slot = weekday == 5 and 11.0 <= hour < 14.0
        got = platform_percent(
            Rule(mode="time_slot", merchant_percent=Decimal(90), tiers=slots), Context(weekday=weekday, hour=hour)
        )
        self.assertEqual(got, 20 if in_slot else 10)
        shares = _by_role(
            split(
                amount,
                Rule(mode="time_slot", merchant_percent=Decimal(90), tiers=slots),
                Context(weekday=weekday, hour=hour),
            )
        )
        self.assertEqual(sum(shares.values()), amount)

    def test_distribution_and_franchise(self):
        rule = Rule(
            mode="distribution",
            merchant_percent=Decimal(90),
            commission_l1_percent=Decimal(5),
            commission_l2_percent=Decimal(2),
            franchise_percent=Decimal(3),
            franchise_beneficiary=77,
        )
        shares = split(10000, rule, Context(merchant=1, referrers=(10, 20)))
        self.assertEqual(
            {(s.role, s.beneficiary): s.amount for s in shares},
            {
                ("platform_fee", None): 1000,
                ("commission", 10): 500,
                ("commission", 20): 200,
                ("franchise", 77): 300,
                ("merchant", 1): 8000,
            },
        )
        # Without referrers the commission stays with the merchant.
        self.assertEqual(_by_role(split(10000, rule, Context(merchant=1)))["merchant"], 8700)

    def test_ratio_and_fees(self):
        shares = split(19900, Rule(mode="ratio", merchant_percent=Decimal(60)), Context(merchant=1))
        self.assertEqual(_by_role(shares), {"platform_fee": 7960, "merchant": 11940})
        shares = split(
            10000,
            Rule(mode="fee", platform_fee_percent=Decimal("5"), channel_fee_percent=Decimal("0.6")),
            Context(merchant=1),
        )
        self.assertEqual(_by_role(shares), {"channel_fee": 60, "platform_fee": 500, "merchant": 9440})

    def test_points_and_errors(self):
        self.assertEqual(points_value(150, Decimal("1.5")), 225)
        self.assertEqual(points_value(3, Decimal("0.5")), 2)
        self.assertEqual(
            _by_role(split(1000, Rule(mode="points", points_fee_percent=Decimal(3)), Context())),
            {"platform_fee": 30, "merchant": 970},
        )
        self.assertEqual(split(0, Rule()), [])
        with self.assertRaises(SplitError):
            split(100, Rule(mode="ratio", merchant_percent=Decimal(10), platform_fee_percent=Decimal(95)))
        with self.assertRaises(SplitError):
            split(100, Rule(mode="nope"))
        with self.assertRaises(SplitError):
            split(1.5, Rule())
