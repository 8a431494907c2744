# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Weeks of district life, generated in bulk (demo data, tests, the benchmark).

The ORM's order flow (confirm, pay, post the escrow entry, issue tickets) takes tens
of milliseconds per order: weeks of a district would slow every database build. These
helpers plan orders and redemptions at realistic hours in Python (a seeded random
generator: the same seed gives the same district) and insert the rows the flow leaves
behind for reporting (a paid ``sale_order``, its ``city_escrow`` lines, a redeemed
``city_ticket`` and its ``city_ticket_redemption``) with one statement per table and
chunk. They carry no journal entries: their escrow is released (nothing outstanding),
so no settlement, payout or reconciliation reads them; the orders are marked with
``origin = 'city_dashboard.history'``.
"""

import datetime
import uuid
import zoneinfo

from odoo.tools import SQL

ORIGIN = "city_dashboard.history"

# Relative weight of each local hour (0–23) per profile, weekend factor, mean basket (yuan).
_H = {
    "dining": ([0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 2, 10, 16, 8, 2, 1, 2, 8, 14, 12, 5, 2, 1, 0], 1.3, 128),
    "night": ([6, 4, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 2, 5, 10, 14, 16, 14, 10], 1.6, 168),
    "tea": ([0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 4, 6, 6, 7, 9, 10, 9, 7, 5, 4, 3, 2, 1, 0], 1.4, 32),
    "cinema": ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 6, 8, 12, 14, 10, 5, 2], 2.2, 96),
    "fitness": ([0, 0, 0, 0, 0, 0, 4, 9, 8, 3, 2, 2, 4, 2, 1, 1, 2, 4, 10, 12, 10, 6, 2, 0], 0.8, 88),
    "shop": ([0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 7, 8, 8, 7, 6, 6, 7, 9, 10, 9, 6, 3, 1, 0], 1.3, 76),
    "service": ([0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 7, 7, 5, 5, 7, 7, 6, 5, 4, 3, 2, 1, 0, 0], 1.5, 198),
}
PROFILE_OF_CATEGORY = {
    "dining": "dining",
    "tea": "tea",
    "cinema": "cinema",
    "supermarket": "shop",
    "fitness": "fitness",
    "entertainment": "night",
    "kids": "service",
    "beauty": "service",
    "medical": "service",
    "culture": "shop",
}


def profile_of(category_code):
    return PROFILE_OF_CATEGORY.get(category_code or "", "shop")


def plan_orders(rng, merchants, members, date_from, days, per_day, tz="Asia/Shanghai", max_lines=3):
    """Orders at realistic local hours.

    :param merchants: ``[(merchant_id, profile, weight)]``
    :param members: member partner ids (a few members order far more than the rest)
    :return: ``[(partner_id, merchant_id, paid_at (naive UTC), [line amounts])]``
    """
    zone = zoneinfo.ZoneInfo(tz)
    merchant_weights = [weight for _m, _p, weight in merchants]
    # Loyal members first: member i is picked with weight 1 / (1 + i/20).
    member_weights = [1 / (1 + i / 20) for i in range(len(members))]
    orders = []
    for offset in range(days):
        day = date_from + datetime.timedelta(days=offset)
        weekend = day.weekday() >= 5
        for merchant_id, profile, _weight in rng.choices(merchants, merchant_weights, k=per_day):
            hours, weekend_factor, basket = _H[profile]
            copies = 1
            if weekend:
                copies = int(weekend_factor) + (rng.random() < weekend_factor - int(weekend_factor))
            for _copy in range(copies):
                hour = rng.choices(range(24), hours)[0]
                local = datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60), rng.randrange(60)))
                paid_at = local.replace(tzinfo=zone).astimezone(datetime.UTC).replace(tzinfo=None)
                lines = rng.choices(range(1, max_lines + 1), [6, 3, 1][:max_lines])[0]
                amounts = [round(max(5.0, rng.gauss(basket, basket / 3)) / lines, 2) for _line in range(lines)]
                orders.append((rng.choices(members, member_weights)[0], merchant_id, paid_at, amounts))
    return orders


def insert_orders(cr, company_id, currency_id, orders, chunk=50000, released=True):
    """Insert paid orders and their escrow lines (see the module docstring); returns the order ids."""
    ids = []
    for start in range(0, len(orders), chunk):
        ids += _insert_order_chunk(cr, company_id, currency_id, orders[start : start + chunk], released)
    return ids


def _insert_order_chunk(cr, company_id, currency_id, orders, released):
    tag = f"HIST/{uuid.uuid4().hex[:10]}/"
    line_orders, line_amounts = [], []
    for n, (_partner, _merchant, _at, amounts) in enumerate(orders, start=1):
        line_orders += [n] * len(amounts)
        line_amounts += amounts
    cr.execute(
        SQL(
            """
            WITH src AS (
                SELECT * FROM unnest(%(partners)s::int[], %(merchants)s::int[], %(dates)s::timestamp[],
                                     %(totals)s::numeric[]) WITH ORDINALITY AS s(partner_id, merchant_id, at, total, n)
            )
            INSERT INTO sale_order (name, origin, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                    currency_id, date_order, state, picking_policy, amount_total, amount_untaxed,
                                    city_paid_date, create_date, write_date)
            SELECT %(tag)s || s.n, %(origin)s, s.partner_id, s.partner_id, s.partner_id, %(company)s, %(currency)s,
                   s.at, 'sale', 'direct', s.total, s.total, s.at, s.at, s.at
              FROM src s
            """,
            partners=[o[0] for o in orders],
            merchants=[o[1] for o in orders],
            dates=[o[2] for o in orders],
            totals=[round(sum(o[3]), 2) for o in orders],
            tag=tag,
            origin=ORIGIN,
            company=company_id,
            currency=currency_id,
        )
    )
    cr.execute(
        SQL(
            """
            WITH lines AS (
                SELECT * FROM unnest(%(orders)s::int[], %(amounts)s::numeric[]) AS l(n, amount)
            ), src AS (
                SELECT * FROM unnest(%(partners)s::int[], %(merchants)s::int[], %(dates)s::timestamp[])
                       WITH ORDINALITY AS s(partner_id, merchant_id, at, n)
            )
            INSERT INTO city_escrow (order_id, merchant_id, partner_id, company_id, currency_id, amount_paid,
                                     amount_released, amount_refunded, amount_forfeited, amount_reversed,
                                     amount_residual, state, paid_date, create_date, write_date)
            SELECT so.id, s.merchant_id, s.partner_id, %(company)s, %(currency)s, l.amount,
                   CASE WHEN %(released)s THEN l.amount ELSE 0 END, 0, 0, 0,
                   CASE WHEN %(released)s THEN 0 ELSE l.amount END,
                   CASE WHEN %(released)s THEN 'done' ELSE 'held' END, s.at, s.at, s.at
              FROM lines l
              JOIN src s ON s.n = l.n
              JOIN sale_order so ON so.name = %(tag)s || l.n
            """,
            orders=line_orders,
            amounts=line_amounts,
            partners=[o[0] for o in orders],
            merchants=[o[1] for o in orders],
            dates=[o[2] for o in orders],
            tag=tag,
            company=company_id,
            currency=currency_id,
            released=released,
        )
    )
    cr.execute(SQL("SELECT id FROM sale_order WHERE name LIKE %s ORDER BY id", tag + "%"))
    return [row[0] for row in cr.fetchall()]


def insert_redemptions(cr, company_id, rows):
    """Insert redeemed tickets: ``rows`` of (partner_id, merchant_id, product_id, template_id, redeemed_at)."""
    if not rows:
        return
    tag = f"H{uuid.uuid4().hex[:10]}N"
    cr.execute(
        SQL(
            """
            WITH src AS (
                SELECT * FROM unnest(%(partners)s::int[], %(merchants)s::int[], %(products)s::int[],
                                     %(templates)s::int[], %(dates)s::timestamp[])
                       WITH ORDINALITY AS s(partner_id, merchant_id, product_id, template_id, at, n)
            ),
            tickets AS (
                INSERT INTO city_ticket (partner_id, merchant_id, product_id, product_tmpl_id, company_id, state,
                                         uses_total, uses_done, manual_code, create_date, write_date)
                SELECT s.partner_id, s.merchant_id, s.product_id, s.template_id, %(company)s, 'redeemed', 1, 1,
                       %(tag)s || s.n, s.at, s.at
                  FROM src s
                RETURNING id, manual_code
            )
            INSERT INTO city_ticket_redemption (ticket_id, merchant_id, partner_id, uses, use_index, amount_fen,
                                                create_date, write_date)
            SELECT t.id, s.merchant_id, s.partner_id, 1, 1, 0, s.at, s.at
              FROM tickets t JOIN src s ON t.manual_code = %(tag)s || s.n
            """,
            partners=[r[0] for r in rows],
            merchants=[r[1] for r in rows],
            products=[r[2] for r in rows],
            templates=[r[3] for r in rows],
            dates=[r[4] for r in rows],
            company=company_id,
            tag=tag,
        )
    )
