# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The cockpit's heat map and KPIs over 1,000,000 and 10,000,000 order lines, against read_group.

The benchmark's own database gets 60 merchants (8 categories), 20,000 members and paid
orders (1 to 3 escrow lines each, 2 on average) over the last 365 days at realistic
local hours, plus one redemption per ten orders, generated in bulk by SQL (one
``INSERT ... SELECT`` per table from ``generate_series``, the loaded tables' foreign
keys and secondary indexes dropped during the load and created after it, ``ANALYZE``
after); then the rollups are built (``city.dashboard.rollup._city_rebuild``, timed). The measured path
is the cockpit's heat map and KPIs for the last 28 days (``_city_heatmap`` and
``_city_kpis``: the current and the previous period, balances), as an operator; the
whole cockpit call (``get_cockpit_data``) is timed too. The baseline computes the same
aggregates with the ORM's ``_read_group`` over the base tables (``city.escrow``,
``city.ticket.redemption``) in the same run: the heat map by weekday and hour (coarser
than the cockpit's half hours, in the baseline's favour), GMV, orders, members and their
first orders for both periods. Then the lines are brought to 10,000,000 and both are
measured again. Sizes: ``CITY_BENCH_DASHBOARD_LINES`` (default ``1000000,10000000``).
"""

import os
import statistics
import time
from datetime import timedelta

MERCHANTS = 60
MEMBERS = 20_000
DAYS = 365
CATEGORIES = ["dining", "tea", "cinema", "fitness", "kids", "supermarket", "entertainment", "beauty"]
# Local hours weighted like a district's day (lunch, dinner, late night).
HOURS = [
    7,
    8,
    9,
    10,
    11,
    11,
    11,
    12,
    12,
    12,
    12,
    13,
    13,
    14,
    15,
    16,
    17,
    17,
    18,
    18,
    18,
    18,
    19,
    19,
    19,
    20,
    20,
    21,
    21,
    22,
    22,
    23,
    0,
    1,
]
REPEAT = 5
# The tables the generation loads: their foreign keys and secondary indexes are dropped
# during the load and created again after it (one build instead of one update per row).
LOADED = ["sale_order", "city_escrow", "city_ticket", "city_ticket_redemption"]
ROLLUPS = [
    "city_dashboard_slot",
    "city_dashboard_member_day",
    "city_dashboard_member_visit",
    "city_dashboard_member_gap",
    "city_dashboard_merchant_gap",
    "city_dashboard_category_gap",
]


def _drop_load_overhead(cr):
    """Drop the loaded tables' foreign keys, unique constraints and secondary indexes.

    :return: the statements that create them again, in order (indexes, then constraints)
    """
    cr.execute(
        """SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', conrelid::regclass, conname),
                  format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', conrelid::regclass, conname,
                         pg_get_constraintdef(oid))
             FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')""",
        [LOADED],
    )
    constraints = cr.fetchall()
    cr.execute(
        """SELECT format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
             FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [LOADED],
    )
    indexes = cr.fetchall()
    for drop, _create in constraints + indexes:
        cr.execute(drop)
    return [create for _drop, create in indexes + constraints]


def _reuse(bench):
    """The merchants, members and product of a previous run in this database, and its lines (or None)."""
    with bench.env() as env:
        merchants = env["res.partner"].search([("name", "=like", "驾驶舱基准商户%")], order="id")
        product = env["product.template"].search([("name", "=", "驾驶舱基准券")], limit=1)
        if len(merchants) != MERCHANTS or not product:
            return None
        env.cr.execute("SELECT MIN(id), MAX(id) FROM res_partner WHERE name LIKE '驾驶舱基准会员%%'")
        members = env.cr.fetchone()
        env.cr.execute("SELECT COUNT(*) FROM city_escrow WHERE merchant_id = ANY(%s)", [merchants.ids])
        lines = env.cr.fetchone()[0]
        return (merchants.ids, members, product.product_variant_id.id, product.id), lines


def _setup(bench):
    with bench.env() as env:
        merchants = env["res.partner"].create(
            [
                {
                    "name": f"驾驶舱基准商户{i}",
                    "is_company": True,
                    "is_merchant": True,
                    "merchant_category_id": env.ref(f"city_base.merchant_category_{CATEGORIES[i % 8]}").id,
                    "partner_latitude": 31.22 + (i % 8) * 0.001,
                    "partner_longitude": 121.44 + (i // 8) * 0.001,
                }
                for i in range(MERCHANTS)
            ]
        )
        env.cr.execute(
            """INSERT INTO res_partner (name, complete_name, active, is_member, type, autopost_bills,
                                        create_date, write_date)
               SELECT '驾驶舱基准会员' || n, '驾驶舱基准会员' || n, TRUE, TRUE, 'contact', 'ask',
                      now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                 FROM generate_series(1, %s) n RETURNING id""",
            [MEMBERS],
        )
        members = [row[0] for row in env.cr.fetchall()]
        product = env["product.template"].create(
            {
                "name": "驾驶舱基准券",
                "type": "service",
                "list_price": 50,
                "merchant_id": merchants[0].id,
                "city_ticket_type": "voucher",
                "city_valid_days": 30,
            }
        )
        return merchants.ids, (min(members), max(members)), product.product_variant_id.id, product.id


def _generate(bench, lines, setup, batch):
    """Add about ``lines`` escrow lines (orders of 1 to 3 lines) and a redemption per ten orders."""
    from odoo.tools import SQL  # noqa: PLC0415

    merchants, (lo, hi), product_id, template_id = setup
    orders = lines // 2
    with bench.env() as env:
        cr = env.cr
        cr.execute("SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '512MB'")
        cr.execute("SET LOCAL work_mem = '256MB'")
        recreate = _drop_load_overhead(cr)
        cr.execute("DROP TABLE IF EXISTS gen")
        cr.execute(
            SQL(
                """CREATE TEMP TABLE gen AS
                   SELECT n, %(lo)s + floor(power(random(), 1.6) * (%(hi)s - %(lo)s + 1))::int AS partner_id,
                          (%(merchants)s::int[])[1 + floor(random() * %(count)s)::int] AS merchant_id,
                          ((date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai')
                            - floor(random() * %(days)s) * interval '1 day'
                            + (%(hours)s::int[])[1 + floor(random() * %(nhours)s)::int] * interval '1 hour'
                            + floor(random() * 60) * interval '1 minute') AT TIME ZONE 'Asia/Shanghai')
                            AT TIME ZONE 'UTC' AS at,
                          1 + floor(random() * 3)::int AS lines
                     FROM generate_series(1, %(orders)s) n""",
                lo=lo,
                hi=hi,
                merchants=merchants,
                count=len(merchants),
                days=DAYS,
                hours=HOURS,
                nhours=len(HOURS),
                orders=orders,
            )
        )
        cr.execute(
            SQL(
                """WITH o AS (
                       INSERT INTO sale_order (name, origin, partner_id, partner_invoice_id, partner_shipping_id,
                                               company_id, currency_id, date_order, state, picking_policy,
                                               amount_total, city_paid_date, create_date, write_date)
                       SELECT %(tag)s || n, 'city_dashboard.history', partner_id, partner_id, partner_id,
                              %(company)s, %(currency)s, at, 'sale', 'direct', 0, at, at, at FROM gen
                       RETURNING id, name)
                   INSERT INTO city_escrow (order_id, merchant_id, partner_id, company_id, currency_id, amount_paid,
                                            amount_released, amount_refunded, amount_forfeited, amount_reversed,
                                            amount_residual, state, paid_date, create_date, write_date)
                   SELECT o.id, g.merchant_id, g.partner_id, %(company)s, %(currency)s, a.amount, a.amount, 0, 0, 0,
                          0, 'done', g.at, g.at, g.at
                     FROM o JOIN gen g ON o.name = %(tag)s || g.n
                     CROSS JOIN LATERAL (SELECT round((5 + random() * 95)::numeric, 2) AS amount
                                           FROM generate_series(1, g.lines)) a""",
                tag=f"DASH{batch}/",
                company=env.company.id,
                currency=env.company.currency_id.id,
            )
        )
        added = cr.rowcount
        cr.execute(
            SQL(
                """WITH t AS (
                       INSERT INTO city_ticket (partner_id, merchant_id, product_id, product_tmpl_id, company_id,
                                                state, uses_total, uses_done, manual_code, create_date, write_date)
                       SELECT partner_id, merchant_id, %(product)s, %(template)s, %(company)s, 'redeemed', 1, 1,
                              %(tag)s || n, at, at FROM gen WHERE mod(n, 10) = 0
                       RETURNING id, manual_code)
                   INSERT INTO city_ticket_redemption (ticket_id, merchant_id, partner_id, uses, use_index,
                                                       amount_fen, create_date, write_date)
                   SELECT t.id, g.merchant_id, g.partner_id, 1, 1, 0, g.at + interval '20 minutes',
                          g.at + interval '20 minutes'
                     FROM t JOIN gen g ON t.manual_code = %(tag)s || g.n""",
                product=product_id,
                template=template_id,
                company=env.company.id,
                tag=f"DB{batch}N",
            )
        )
        for statement in recreate:
            cr.execute(statement)
        cr.execute("ANALYZE sale_order; ANALYZE city_escrow; ANALYZE city_ticket; ANALYZE city_ticket_redemption")
        return added


def _cockpit(dashboard, scope):
    return dashboard._city_heatmap(scope), dashboard._city_kpis(scope)


def _read_group_baseline(env, merchants, scope):
    """The same aggregates with the ORM's read_group over the base tables."""
    escrow = env["city.escrow"].with_context(tz="Asia/Shanghai")
    redemption = env["city.ticket.redemption"].with_context(tz="Asia/Shanghai")
    dashboard = env["city.dashboard"]
    results = []
    for date_from, date_to in ((scope.date_from, scope.date_to), scope.previous):
        start = env["city.dashboard"]._city_utc(date_from)
        end = env["city.dashboard"]._city_utc(date_to + timedelta(days=1))
        domain = [("merchant_id", "in", merchants), ("paid_date", ">=", start), ("paid_date", "<", end)]
        results.append(
            escrow._read_group(domain, ["paid_date:day_of_week", "paid_date:hour_number"], ["order_id:count_distinct"])
        )
        results.append(
            escrow._read_group(domain, [], ["amount_paid:sum", "order_id:count_distinct", "partner_id:count_distinct"])
        )
        results.append(escrow._read_group(domain, ["partner_id"], ["order_id:count_distinct"]))
        members = [p.id for p, _count in results[-1]]
        results.append(
            escrow._read_group(
                [("merchant_id", "in", merchants), ("partner_id", "in", members), ("paid_date", "<", start)],
                ["partner_id"],
                ["__count"],
            )
        )
        results.append(
            redemption._read_group(
                [("merchant_id", "in", merchants), ("create_date", ">=", start), ("create_date", "<", end)],
                ["create_date:day_of_week", "create_date:hour_number"],
                ["__count"],
            )
        )
    del dashboard
    return results


def _refresh(bench, setup):
    """The cron's incremental run after a minute of the district: 200 orders paid in the last
    minute and 20 paid late (lines of the last three days committed now)."""
    import random  # noqa: PLC0415

    from odoo import fields  # noqa: PLC0415

    from odoo.addons.city_dashboard.tools import generate  # noqa: PLC0415

    rng = random.Random(len(setup[0]))
    merchants, (lo, hi), _product, _template = setup
    now = fields.Datetime.now()
    orders = [
        (rng.randint(lo, hi), rng.choice(merchants), now - timedelta(seconds=rng.randint(0, 59)), [42.0])
        for _n in range(200)
    ] + [
        (rng.randint(lo, hi), rng.choice(merchants), now - timedelta(hours=rng.randint(1, 72)), [58.0])
        for _n in range(20)
    ]
    with bench.env() as env:
        generate.insert_orders(env.cr, env.company.id, env.company.currency_id.id, orders)
    with bench.env() as env:
        seconds, dirty = bench.timed(env["city.dashboard.rollup"]._city_refresh)
    bench.note(f"incremental rollup run after 220 new orders: {seconds * 1000:.0f} ms ({dirty} merchant-days)")


def _median_ms(bench, func, *args, runs=REPEAT):
    return statistics.median(bench.timed(func, *args)[0] for _run in range(runs)) * 1000


def _measure(bench, setup, lines_total):
    with bench.env() as env:
        operator = env.ref("city_base.demo_user_operator", raise_if_not_found=False) or env.user
        dashboard = env["city.dashboard"].with_user(operator)
        scope = dashboard._city_scope({})
        cockpit = _median_ms(bench, _cockpit, dashboard, scope) / 1000
        full = _median_ms(bench, dashboard.get_cockpit_data, {}, runs=3)
        baseline = _median_ms(bench, _read_group_baseline, env, scope.merchant_ids, scope, runs=3) / 1000
        bench.note(
            f"{lines_total:,} lines: the district's cockpit heat map + KPIs {cockpit * 1000:.0f} ms (median of "
            f"{REPEAT}), whole cockpit call {full:.0f} ms, read_group {baseline * 1000:.0f} ms"
        )
        one = _median_ms(bench, _cockpit, dashboard, dashboard._city_scope({"merchant_ids": setup[0][:1]}))
        chosen = _median_ms(bench, _cockpit, dashboard, dashboard._city_scope({"merchant_ids": setup[0]}))
        category = env["res.partner"].browse(setup[0][0]).merchant_category_id
        by_category = _median_ms(bench, _cockpit, dashboard, dashboard._city_scope({"category_ids": category.ids}))
        bench.note(
            f"{lines_total:,} lines: heat map + KPIs of one merchant {one:.0f} ms, of a category "
            f"{by_category:.0f} ms, of a choice of {len(setup[0])} merchants {chosen:.0f} ms (member figures: "
            "the merchant's and the category's gap rows; a choice of merchants, the member-day rollup)"
        )
        target = 20 if lines_total >= 10_000_000 else None
        bench.report(f"cockpit at {lines_total:,} lines", 1, cockpit, "read_group", 1, baseline, target)
        return cockpit


def run(bench):
    sizes = [int(s) for s in os.environ.get("CITY_BENCH_DASHBOARD_LINES", "1000000,10000000").split(",")]
    reused = os.environ.get("CITY_BENCH_DASHBOARD_REUSE") and _reuse(bench)
    setup, total = reused or (_setup(bench), 0)
    if reused:
        bench.note(f"reusing the {total:,} escrow lines of a previous run")
    answers = []
    for batch, size in enumerate(sizes):
        if size > total * 1.01:  # generation draws 1 to 3 lines per order: sizes are met within 1%
            start = time.perf_counter()
            total += _generate(bench, size - total, setup, f"{batch}.{total}")
            bench.note(f"generated {total:,} escrow lines by SQL in {time.perf_counter() - start:.1f}s")
        with bench.env() as env:
            from odoo.tools import SQL  # noqa: PLC0415

            seconds, _dirty = bench.timed(env["city.dashboard.rollup"]._city_rebuild)
            env.cr.execute("SELECT COUNT(*) FROM city_dashboard_slot")
            slots = env.cr.fetchone()[0]
            env.cr.execute("SELECT COUNT(*) FROM city_dashboard_member_day")
            member_days = env.cr.fetchone()[0]
            env.cr.execute("SELECT COUNT(*) FROM city_dashboard_member_gap")
            gaps = env.cr.fetchone()[0]
            env.cr.execute("SELECT COUNT(*) FROM city_dashboard_merchant_gap")
            merchant_gaps = env.cr.fetchone()[0]
            env.cr.execute("SELECT COUNT(*) FROM city_dashboard_category_gap")
            category_gaps = env.cr.fetchone()[0]
            for table in ROLLUPS:
                env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        bench.note(
            f"rollups rebuilt in {seconds:.1f}s: {slots:,} slot rows, {member_days:,} member-day rows, "
            f"{gaps:,} district member-gap rows, {merchant_gaps:,} merchant and "
            f"{category_gaps:,} category member-gap rows"
        )
        answers.append(_measure(bench, setup, total))
        _refresh(bench, setup)
    if len(answers) > 1:
        bench.note(f"cockpit answer time at the largest size / at the smallest: {answers[-1] / answers[0]:.2f}×")
