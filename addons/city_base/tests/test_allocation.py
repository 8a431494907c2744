# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Property-based tests of the cent-exact allocation helper (plain Python, no database)."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from odoo.addons.city_base.tools.allocation import AllocationError, allocate, from_fen, to_fen

amounts = st.integers(min_value=0, max_value=10**12)
weight = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=10**4, places=4, allow_nan=False, allow_infinity=False),
    st.fractions(min_value=0, max_value=1000, max_denominator=997),
)
weight_lists = st.lists(weight, min_size=1, max_size=25).filter(lambda ws: sum(Fraction(w) for w in ws) > 0)

CASES = 3000


@tagged("post_install", "-at_install")
class TestAllocationProperties(BaseCase):
    @settings(max_examples=CASES, deadline=None)
    @given(amounts, weight_lists)
    def test_sums_exactly_and_never_negative(self, amount, weights):
        parts = allocate(amount, weights)
        self.assertEqual(sum(parts), amount)
        self.assertEqual(len(parts), len(weights))
        self.assertTrue(all(isinstance(p, int) and p >= 0 for p in parts))

    @settings(max_examples=CASES, deadline=None)
    @given(amounts, weight_lists)
    def test_each_part_within_one_fen_of_exact_share(self, amount, weights):
        parts = allocate(amount, weights)
        total = sum(Fraction(w) for w in weights)
        for part, w in zip(parts, weights, strict=True):
            exact = amount * Fraction(w) / total
            self.assertLess(abs(part - exact), 1)
            if Fraction(w) == 0:
                self.assertEqual(part, 0)

    @settings(max_examples=CASES, deadline=None)
    @given(amounts, weight_lists)
    def test_deterministic(self, amount, weights):
        self.assertEqual(allocate(amount, weights), allocate(amount, list(weights)))
        # Representation does not matter: the same exact weights give the same split.
        self.assertEqual(allocate(amount, weights), allocate(amount, [Fraction(w) for w in weights]))

    @settings(max_examples=CASES, deadline=None)
    @given(amounts, weight_lists)
    def test_refund_mirrors_payment(self, amount, weights):
        self.assertEqual(allocate(-amount, weights), [-p for p in allocate(amount, weights)])

    @settings(max_examples=1000, deadline=None)
    @given(amounts, weight_lists, st.integers(min_value=1, max_value=1000))
    def test_scaling_weights_changes_nothing(self, amount, weights, factor):
        self.assertEqual(allocate(amount, weights), allocate(amount, [Fraction(w) * factor for w in weights]))


@tagged("post_install", "-at_install")
class TestAllocationExamples(BaseCase):
    def test_largest_remainder(self):
        # 100 fen over three equal shares: 33.33 each, the extra fen to the first.
        self.assertEqual(allocate(100, [1, 1, 1]), [34, 33, 33])
        # 6:4 split of 19900 fen.
        self.assertEqual(allocate(19900, [6, 4]), [11940, 7960])
        # Remainders 0.6, 0.3, 0.1 of 1 fen: the largest wins.
        self.assertEqual(allocate(1, [6, 3, 1]), [1, 0, 0])
        self.assertEqual(allocate(0, [1, 2]), [0, 0])
        self.assertEqual(allocate(0, [0, 0]), [0, 0])
        self.assertEqual(allocate(5, ["0.5", 0.25, Decimal("0.25")]), [3, 1, 1])

    def test_bad_input(self):
        for amount, weights in (
            (100, []),
            (100, [0, 0]),
            (100, [1, -1]),
            (100, [float("nan")]),
            (100, ["abc"]),
            (100, [True]),
            (1.5, [1]),
            ("100", [1]),
        ):
            with self.subTest(amount=amount, weights=weights), self.assertRaises(AllocationError):
                allocate(amount, weights)

    def test_fen_conversion(self):
        self.assertEqual(to_fen(Decimal("199.00")), 19900)
        self.assertEqual(to_fen("0.005"), 1)
        self.assertEqual(to_fen(0.1 + 0.2), 30)
        self.assertEqual(to_fen(-12.345), -1235)
        self.assertEqual(from_fen(19901), Decimal("199.01"))
        self.assertEqual(from_fen(-5), Decimal("-0.05"))
