# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cent-exact allocation: city_base's largest-remainder helper against a naive Decimal split.

The naive split (round every share, push the rounding difference onto the last
part) is what hand-written code usually does; it is fast but can give the last
party a negative or unfair share. The helper must stay in the same league.
"""

import random
from decimal import ROUND_HALF_UP, Decimal


def naive_split(amount_fen, weights):
    total = sum(weights)
    parts = [int((Decimal(amount_fen) * w / total).quantize(Decimal(1), ROUND_HALF_UP)) for w in weights]
    parts[-1] += amount_fen - sum(parts)
    return parts


def run(bench):
    from odoo.addons.city_base.tools.allocation import allocate  # noqa: PLC0415

    rng = random.Random(42)
    cases = [(rng.randint(1, 10**7), [rng.randint(1, 100) for _ in range(rng.randint(2, 6))]) for _ in range(50_000)]
    seconds, _ = bench.timed(lambda: [allocate(a, w) for a, w in cases])
    base_seconds, _ = bench.timed(lambda: [naive_split(a, w) for a, w in cases])
    bench.report("allocate()", len(cases), seconds, "naive Decimal split", len(cases), base_seconds)
