# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cent-exact allocation of money.

Amounts are handled as integer fen (1 CNY = 100 fen). ``allocate`` splits an
integer amount over weights with the largest-remainder method so that the parts
always add up to the amount exactly, no part moves more than one fen away from
its exact share, and the same input always gives the same output.
"""

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from numbers import Rational

FEN_PER_YUAN = 100


class AllocationError(ValueError):
    """Raised for inputs that cannot be allocated (negative or all-zero weights)."""


def _as_fraction(weight):
    """Exact rational value of a weight; floats go through their shortest repr."""
    if isinstance(weight, bool):
        raise AllocationError(f"weight must be a number, not {weight!r}")
    if isinstance(weight, (int, Rational)):
        return Fraction(weight)
    if isinstance(weight, Decimal):
        if not weight.is_finite():
            raise AllocationError(f"weight must be finite, not {weight!r}")
        return Fraction(weight)
    if isinstance(weight, float):
        if weight != weight or weight in (float("inf"), float("-inf")):
            raise AllocationError(f"weight must be finite, not {weight!r}")
        return Fraction(Decimal(repr(weight)))
    if isinstance(weight, str):
        try:
            return _as_fraction(Decimal(weight))
        except ArithmeticError as exc:
            raise AllocationError(f"weight is not a number: {weight!r}") from exc
    raise AllocationError(f"weight must be a number, not {type(weight).__name__}")


def allocate(amount, weights):
    """Split ``amount`` (integer fen, may be negative) over ``weights``.

    Each part is the floor of its exact share; the fen left over go one each to
    the parts with the largest remainders, ties going to the earlier part. A
    negative amount (a refund) is allocated as the negation of the positive one,
    so refunds mirror the original split.

    :param int amount: the amount in fen
    :param weights: non-negative numbers (int, Decimal, Fraction, float or str),
        not all zero unless ``amount`` is 0
    :return: list of int, one per weight, summing to ``amount``
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise AllocationError(f"amount must be an integer number of fen, not {amount!r}")
    weights = _integer_weights(weights)
    if not weights:
        if amount:
            raise AllocationError("cannot allocate a non-zero amount over no weights")
        return []
    total_weight = sum(weights)
    if total_weight == 0:
        if amount:
            raise AllocationError("cannot allocate a non-zero amount over zero weights")
        return [0] * len(weights)
    if amount < 0:
        return [-part for part in allocate(-amount, weights)]

    parts, remainders = [], []
    for weight in weights:
        part, remainder = divmod(amount * weight, total_weight)  # exact share = part + remainder / total
        parts.append(part)
        remainders.append(remainder)
    leftover = amount - sum(parts)
    if leftover:
        # Largest remainder first; on equal remainders the earlier index wins.
        for i in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:leftover]:
            parts[i] += 1
    return parts


def _integer_weights(weights):
    """The weights scaled by a common factor to non-negative integers (same proportions)."""
    if all(type(w) is int for w in weights):
        if any(w < 0 for w in weights):
            raise AllocationError("weights must not be negative")
        return list(weights)
    fractions = [_as_fraction(w) for w in weights]
    if any(f < 0 for f in fractions):
        raise AllocationError("weights must not be negative")
    common = math.lcm(*(f.denominator for f in fractions)) if fractions else 1
    return [f.numerator * (common // f.denominator) for f in fractions]


def to_fen(amount):
    """Convert a yuan amount (Decimal, int, str or float) to integer fen, half up."""
    if isinstance(amount, float):
        amount = Decimal(repr(amount))
    value = Decimal(amount) * FEN_PER_YUAN
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fen(fen):
    """Convert integer fen to a Decimal yuan amount with two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))
