# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Member segments: the module's set-based SQL against an ORM loop over members.

The benchmark's own database gets 100,000 members, 40 merchants (8 categories) and
1,000,000 paid orders over the last 120 days (a ``sale_order`` and its ``city_escrow``
row each), generated in bulk by SQL. The measured path computes the 13 shipped segments
(``city.segment._city_compute``: one statement per segment over all members). The
baseline is the ORM loop a straightforward implementation would run: for each member,
one ``search_read`` of its paid order lines in the window, the shipped order-based rules
evaluated in Python. The loop is timed on a sample of 1,000 members and scaled to
100,000 (said in the output); it is generous to the baseline, which does one query per
member and skips redemptions and events.
"""

import random
import time
from datetime import timedelta

import pytz

MEMBERS = 100_000
ORDERS = 1_000_000
MERCHANTS = 40
SAMPLE = 1_000
CATEGORIES = ["dining", "tea", "cinema", "fitness", "kids", "supermarket", "entertainment", "beauty"]


def _generate(bench):
    from odoo.fields import Datetime  # noqa: PLC0415
    from odoo.tools import SQL  # noqa: PLC0415

    with bench.env() as env:
        merchants = env["res.partner"].create(
            [
                {
                    "name": f"分群基准商户{i}",
                    "is_company": True,
                    "is_merchant": True,
                    "merchant_category_id": env.ref(f"city_base.merchant_category_{CATEGORIES[i % 8]}").id,
                    "partner_latitude": 31.23 + (i % 7) * 0.002,
                    "partner_longitude": 121.45 + (i % 5) * 0.002,
                }
                for i in range(MERCHANTS)
            ]
        )
        now = Datetime.now()
        cr = env.cr
        start = time.perf_counter()
        cr.execute(
            SQL(
                """INSERT INTO res_partner (name, complete_name, active, is_member, type, autopost_bills,
                                            partner_latitude, partner_longitude, create_date, write_date)
                   SELECT '分群基准会员' || n, '分群基准会员' || n, TRUE, TRUE, 'contact', 'ask',
                          31.23 + random() * 0.02, 121.45 + random() * 0.02, %(now)s, %(now)s
                     FROM generate_series(1, %(members)s) n RETURNING id""",
                now=now,
                members=MEMBERS,
            )
        )
        member_ids = [row[0] for row in cr.fetchall()]
        lo, hi = min(member_ids), max(member_ids)
        currency = env.company.currency_id.id
        cr.execute(
            SQL(
                """CREATE TEMP TABLE gen AS
                   SELECT n, %(lo)s + floor(power(random(), 1.5) * (%(hi)s - %(lo)s + 1))::int AS partner_id,
                          (%(merchants)s::int[])[1 + floor(random() * %(count)s)::int] AS merchant_id,
                          %(now)s - random() * interval '120 days' AS at,
                          round((10 + random() * 190)::numeric, 2) AS amount
                     FROM generate_series(1, %(orders)s) n""",
                lo=lo,
                hi=hi,
                merchants=merchants.ids,
                count=MERCHANTS,
                now=now,
                orders=ORDERS,
            )
        )
        cr.execute(
            SQL(
                """WITH o AS (
                       INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                               currency_id, date_order, state, picking_policy, amount_total,
                                               city_paid_date, create_date, write_date)
                       SELECT 'SEG/' || n, partner_id, partner_id, partner_id, %(company)s, %(currency)s, at, 'sale',
                              'direct', amount, at, at, at FROM gen
                       RETURNING id, name)
                   INSERT INTO city_escrow (order_id, merchant_id, partner_id, company_id, currency_id, amount_paid,
                                            amount_released, amount_refunded, amount_forfeited, amount_reversed,
                                            amount_residual, state, paid_date, create_date, write_date)
                   SELECT o.id, g.merchant_id, g.partner_id, %(company)s, %(currency)s, g.amount, 0, 0, 0, 0,
                          g.amount, 'held', g.at, g.at, g.at
                     FROM o JOIN gen g ON o.name = 'SEG/' || g.n""",
                company=env.company.id,
                currency=currency,
            )
        )
        cr.execute("ANALYZE city_escrow; ANALYZE sale_order; ANALYZE res_partner")
        bench.note(
            f"generated {MEMBERS:,} members and {ORDERS:,} paid orders by SQL in {time.perf_counter() - start:.1f}s"
        )
        return member_ids, now


def _orm_loop(env, member_ids, now):
    """The baseline: per member, one read of its order lines and the order rules in Python."""
    segments = env["city.segment"].search([])
    rules = segments.rule_ids.filtered(lambda r: r.source == "order")
    tz = pytz.timezone("Asia/Shanghai")
    longest = max(max(rules.mapped("window_days")), 70)
    categories = {m.id: m.merchant_category_id.id for m in env["res.partner"].search([("is_merchant", "=", True)])}
    members = {}
    for partner_id in member_ids:
        rows = env["city.escrow"].search_read(
            [("partner_id", "=", partner_id), ("paid_date", ">=", now - timedelta(days=longest))],
            ["merchant_id", "paid_date", "amount_paid", "order_id"],
        )
        for rule in rules:
            since = now - timedelta(days=rule.window_days)
            value = 0.0
            for row in rows:
                if row["paid_date"] < since:
                    continue
                if rule.category_ids and categories.get(row["merchant_id"][0]) not in rule.category_ids.ids:
                    continue
                local = pytz.utc.localize(row["paid_date"]).astimezone(tz)
                hour = local.hour + local.minute / 60
                if rule.hour_from > 0 or rule.hour_to < 24:
                    inside = (
                        rule.hour_from <= hour < rule.hour_to
                        if rule.hour_from < rule.hour_to
                        else hour >= rule.hour_from or hour < rule.hour_to
                    )
                    if not inside:
                        continue
                if rule.day_filter == "weekday" and local.weekday() >= 5:
                    continue
                if rule.day_filter == "weekend" and local.weekday() < 5:
                    continue
                value += row["amount_paid"] if rule.measure == "amount" else 1
            if value >= rule.min_value:
                members.setdefault(rule.segment_id.id, set()).add(partner_id)
    return members


def run(bench):
    member_ids, now = _generate(bench)
    with bench.env() as env:
        segments = env["city.segment"].search([])
        seconds, result = bench.timed(segments._city_compute, now)
        entered = sum(e for e, _left in result.values())
        bench.note(f"{len(segments)} segments over {MEMBERS:,} members: {entered:,} stays entered")
    sample = random.Random(7).sample(member_ids, SAMPLE)
    with bench.env() as env:
        loop_seconds, _members = bench.timed(_orm_loop, env, sample, now)
    scaled = loop_seconds * MEMBERS / SAMPLE
    bench.note(f"ORM loop timed on a sample of {SAMPLE:,} members ({loop_seconds:.2f}s), scaled ×{MEMBERS // SAMPLE}")
    bench.report("set-based SQL segments", MEMBERS, seconds, "ORM loop over members (scaled)", MEMBERS, scaled, 20)
