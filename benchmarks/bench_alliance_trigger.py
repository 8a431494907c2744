# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The order-paid path with 20 active alliance triggers against the same path with none.

Each round pays ORDERS confirmed orders, one transaction each, through
``sale.order._city_mark_paid()`` (the order-paid event: escrow entry, tickets,
points, and city_alliance's event row). With triggers, the payment only appends a
``city.alliance.event`` row and wakes the event cron up: the evaluation (and the
coupons) happen in the cron, timed separately and reported as a note. Target:
the path with 20 triggers takes at most 1.25× the time without (throughput ratio
≥ 0.8). Each side keeps the best of ROUNDS rounds on fresh orders.
"""

ORDERS = 100
TRIGGERS = 20
ROUNDS = 3


def _setup(bench):
    from odoo import Command  # noqa: PLC0415

    with bench.env() as env:
        category = env.ref("city_base.merchant_category_dining")
        merchants = env["res.partner"].create(
            [
                {
                    "name": f"基准联盟商户{i}",
                    "is_company": True,
                    "is_merchant": True,
                    "merchant_category_id": category.id,
                    "partner_latitude": 30.26 + i * 0.0001,
                    "partner_longitude": 120.15,
                    "tz": "Asia/Shanghai",
                }
                for i in range(TRIGGERS + 1)
            ]
        )
        partner, sources = merchants[0], merchants[1:]
        program = env["loyalty.program"].create(
            {
                "name": "基准满100减30",
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "city_merchant_id": partner.id,
                "rule_ids": [Command.create({"minimum_amount": 100})],
                "reward_ids": [
                    Command.create({"reward_type": "discount", "discount": 30, "discount_mode": "per_order"})
                ],
            }
        )
        alliance = env["city.alliance"].create(
            {
                "name": "基准联盟",
                "state": "active",
                "member_ids": [Command.create({"merchant_id": m.id, "state": "approved"}) for m in merchants],
            }
        )
        triggers = env["city.alliance.trigger"].create(
            [
                {
                    "name": f"基准触发{i}",
                    "alliance_id": alliance.id,
                    "event": "order_paid",
                    "source_merchant_ids": [Command.set(source.ids)],
                    "partner_merchant_id": partner.id,
                    "program_id": program.id,
                    "min_amount": 100,
                    "max_distance_m": 5000,
                    "cap_per_member": 1,
                    "budget_qty": 100_000,
                    "active": False,
                }
                for i, source in enumerate(sources)
            ]
        )
        products = env["product.product"].create(
            [
                {"name": f"基准套餐{i}", "type": "service", "list_price": 150.0, "merchant_id": m.id, "taxes_id": False}
                for i, m in enumerate(sources)
            ]
        )
        return triggers.ids, products.ids


def _orders(bench, product_ids, tag):
    with bench.env() as env:
        members = env["res.partner"].create([{"name": f"基准会员{tag}-{i}", "is_member": True} for i in range(ORDERS)])
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": member.id,
                    "order_line": [(0, 0, {"product_id": product_ids[i % len(product_ids)], "tax_id": False})],
                }
                for i, member in enumerate(members)
            ]
        )
        orders.action_confirm()
        return orders.ids


def _pay(bench, order_ids):
    for order_id in order_ids:
        with bench.env() as env:
            env["sale.order"].browse(order_id)._city_mark_paid()
    return len(order_ids)


def run(bench):
    trigger_ids, product_ids = _setup(bench)
    without, with_triggers, cron_seconds, issued = [], [], [], 0
    for round_ in range(ROUNDS):
        with bench.env() as env:
            env["city.alliance.trigger"].browse(trigger_ids).write({"active": False})
        order_ids = _orders(bench, product_ids, f"none{round_}")
        elapsed, _count = bench.timed(_pay, bench, order_ids)
        without.append(elapsed)
        with bench.env() as env:  # the events of this side are not evaluated (no trigger was active)
            env["city.alliance.event"].search([("state", "=", "pending")]).write({"state": "done"})

        with bench.env() as env:
            env["city.alliance.trigger"].browse(trigger_ids).write({"active": True})
        order_ids = _orders(bench, product_ids, f"with{round_}")
        elapsed, _count = bench.timed(_pay, bench, order_ids)
        with_triggers.append(elapsed)

        def evaluate():
            with bench.env() as env:
                return env["city.alliance.event"]._city_process_pending(10_000)

        elapsed, _processed = bench.timed(evaluate)
        cron_seconds.append(elapsed)
        with bench.env() as env:
            issued = env["city.coupon.issue"].search_count([("trigger_id", "in", trigger_ids)])
    with bench.env() as env:
        env["city.alliance.trigger"].browse(trigger_ids).write({"active": False})
    bench.note(
        "rounds (s): with triggers "
        + ", ".join(f"{t:.3f}" for t in with_triggers)
        + "; without "
        + ", ".join(f"{t:.3f}" for t in without)
    )
    bench.note(
        f"event cron, off the payment path: {ORDERS} events in {min(cron_seconds):.3f}s (best); "
        f"{issued} coupons issued in all"
    )
    bench.note("target: time with 20 triggers ≤ 1.25× time without, i.e. throughput ratio ≥ 0.8")
    bench.report(
        f"order paid, {TRIGGERS} active triggers (best of {ROUNDS})",
        ORDERS,
        min(with_triggers),
        f"order paid, no trigger (best of {ROUNDS})",
        ORDERS,
        min(without),
        target=0.8,
    )
