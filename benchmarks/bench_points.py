# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Points earned per second: batched purchase earning against one plain ORM create per event.

The batch is 10,000 paid purchases by 1,000 members at 20 merchants. The
measured path is the real one (``city.points.wallet._earn_purchases``): spend
lines for tiers, tier recomputation, rules, caps, duplicate and velocity
checks, one lock per wallet, multi-row ledger and lot inserts, and the points
money booked per merchant. The baseline writes only one ledger line per event
with ``create`` (no lot, no balance, no checks). Each side keeps the best of
three rounds on fresh members.
"""

import random

PURCHASES = 10_000
MEMBERS = 1_000
MERCHANTS = 20
ROUNDS = 3


def _setup(bench, tag):
    with bench.env() as env:
        env.company.city_points_velocity_max = 10_000
        category = env.ref("city_base.merchant_category_tea")
        merchants = env["res.partner"].create(
            [
                {
                    "name": f"基准商户{tag}-{i}",
                    "is_company": True,
                    "is_merchant": True,
                    "merchant_category_id": category.id,
                }
                for i in range(MERCHANTS)
            ]
        )
        members = env["res.partner"].create([{"name": f"基准会员{tag}-{i}", "is_member": True} for i in range(MEMBERS)])
        wallets = env["city.points.wallet"]._get_wallets(members)
        return merchants.ids, members.ids, wallets.ids


def run(bench):
    from odoo.addons.city_loyalty.models.city_points_ledger import POSTING  # noqa: PLC0415

    rng = random.Random(7)
    # Each side runs ROUNDS times on fresh members (a repeated batch would find only returning members)
    # and keeps its best round: one-off noise of a shared machine hits neither side's figure.
    with bench.env() as env:
        # A generic rule of its own (the demo's purchase rules belong to demo merchants).
        env["city.points.rule"].create(
            {"name": "Benchmark 1 point per yuan", "event": "purchase", "points_per_yuan": 1.0, "merchant_id": False}
        )
    results, seconds = [], []
    for round_ in range(ROUNDS):
        merchant_ids, member_ids, _wallet_ids = _setup(bench, f"batch{round_}")
        plan = [(rng.choice(member_ids), rng.choice(merchant_ids), rng.randint(500, 50_000)) for _ in range(PURCHASES)]

        with bench.env() as env:
            browse = env["res.partner"].browse
            purchases = [
                {
                    "partner": browse(member),
                    "merchant": browse(merchant),
                    "amount_fen": amount,
                    "source_ref": f"sale.order,{round_}{i:05d}",
                }
                for i, (member, merchant, amount) in enumerate(plan)
            ]

            def batched(env=env, purchases=purchases):
                lines, rejections = env["city.points.wallet"]._earn_purchases(purchases)
                env.cr.commit()
                return lines, rejections

            elapsed, (lines, rejections) = bench.timed(batched)
            seconds.append(elapsed)
            results.append((len(lines), len(rejections), sum(lines.mapped("points"))))

    base_seconds = []
    for round_ in range(ROUNDS):
        base_merchants, base_members, base_wallets = _setup(bench, f"base{round_}")
        wallet_of = dict(zip(base_members, base_wallets, strict=True))
        base_plan = [
            (rng.choice(base_members), rng.choice(base_merchants), rng.randint(500, 50_000)) for _ in range(PURCHASES)
        ]

        def baseline(base_plan=base_plan, round_=round_, wallet_of=wallet_of):
            with bench.env(context={"city_loyalty_post": POSTING}) as env:
                Ledger = env["city.points.ledger"]
                for i, (member, merchant, amount) in enumerate(base_plan):
                    Ledger.create(
                        {
                            "wallet_id": wallet_of[member],
                            "kind": "earn",
                            "points": max(amount // 100, 1),
                            "merchant_id": merchant,
                            "event_key": f"base:{round_}:{i}",
                            "source_ref": f"sale.order,{i}",
                        }
                    )
            return PURCHASES

        elapsed, _ = bench.timed(baseline)
        base_seconds.append(elapsed)

    count, rejected, points = results[0]
    bench.note(f"batched earning per round: {count} ledger lines ({points} points), {rejected} rejected")
    bench.note(
        "rounds (s): batched "
        + ", ".join(f"{t:.3f}" for t in seconds)
        + "; baseline "
        + ", ".join(f"{t:.3f}" for t in base_seconds)
    )
    bench.report(
        f"batched _earn_purchases (best of {ROUNDS})",
        PURCHASES,
        min(seconds),
        f"one ORM create per event (best of {ROUNDS})",
        PURCHASES,
        min(base_seconds),
        target=5,
    )
