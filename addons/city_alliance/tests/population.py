# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bulk generation of members' orders and redemptions, in SQL, for tests and benchmarks.

Segments and recommendations read paid orders (``city_escrow``: one row per paid
order line) and redemptions; a population with known behaviour needs hundreds of
them at chosen times, which the ORM's order flow (confirm, pay, post the escrow
entry) would take minutes to build. These helpers insert the same rows that flow
leaves behind (a confirmed, paid ``sale_order``, its ``city_escrow`` row; a ticket
and its redemption) in one statement per table, without journal entries: nothing
here is read by the money side.
"""

import uuid

from odoo.tools import SQL


def insert_orders(env, company, rows, reward=None):
    """Insert paid orders: ``rows`` of (partner, merchant, paid_at, amount[, product[, with_coupon]]).

    ``with_coupon`` adds a reward line of ``reward`` (a ``loyalty.reward``) to the order.
    :return: the ids of the orders, in the order of ``rows``
    """
    if not rows:
        return []
    rows = [(*row, None, False)[:6] for row in rows]
    partners = [row[0].id for row in rows]
    merchants = [row[1].id for row in rows]
    dates = [row[2] for row in rows]
    amounts = [row[3] for row in rows]
    products = [row[4].id if row[4] else None for row in rows]
    coupons = [bool(row[5]) for row in rows]
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            WITH src AS (
                SELECT * FROM unnest(%(partners)s::int[], %(merchants)s::int[], %(dates)s::timestamp[],
                                     %(amounts)s::numeric[], %(products)s::int[], %(coupons)s::bool[])
                       WITH ORDINALITY AS s(partner_id, merchant_id, at, amount, product_id, coupon, n)
            ),
            orders AS (
                INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                        currency_id, date_order, state, picking_policy, amount_total,
                                        city_paid_date, create_date, write_date)
                SELECT %(tag)s || s.n, s.partner_id, s.partner_id, s.partner_id,
                       %(company)s, %(currency)s, s.at, 'sale', 'direct', s.amount, s.at, s.at, s.at
                  FROM src s
                RETURNING id, name
            ),
            numbered AS (
                SELECT o.id AS order_id, s.* FROM orders o
                  JOIN src s ON o.name = %(tag)s || s.n
            ),
            escrow AS (
                INSERT INTO city_escrow (order_id, merchant_id, partner_id, product_id, company_id, currency_id,
                                         amount_paid, amount_released, amount_refunded, amount_forfeited,
                                         amount_reversed, amount_residual, state, paid_date, create_date, write_date)
                SELECT n.order_id, n.merchant_id, n.partner_id, n.product_id, %(company)s, %(currency)s,
                       n.amount, 0, 0, 0, 0, n.amount, 'held', n.at, n.at, n.at
                  FROM numbered n
                RETURNING id
            ),
            reward_lines AS (
                INSERT INTO sale_order_line (order_id, name, price_unit, product_uom_qty, customer_lead,
                                             reward_id, company_id, currency_id, create_date, write_date)
                SELECT n.order_id, 'coupon', -1, 1, 0, %(reward)s, %(company)s, %(currency)s, n.at, n.at
                  FROM numbered n WHERE n.coupon
                RETURNING id
            )
            SELECT n.order_id FROM numbered n ORDER BY n.n
            """,
            partners=partners,
            merchants=merchants,
            dates=dates,
            amounts=amounts,
            products=products,
            coupons=coupons,
            company=company.id,
            currency=company.currency_id.id,
            reward=reward.id if reward else None,
            tag=f"GEN/{uuid.uuid4().hex[:12]}/",
        )
    )
    ids = [row[0] for row in env.cr.fetchall()]
    env.invalidate_all()
    return ids


def insert_redemptions(env, company, product, rows):
    """Insert redeemed tickets: ``rows`` of (partner, merchant, redeemed_at).

    ``product`` is the ticket product (its category is what product rules see).
    """
    if not rows:
        return
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            WITH src AS (
                SELECT * FROM unnest(%(partners)s::int[], %(merchants)s::int[], %(dates)s::timestamp[])
                       WITH ORDINALITY AS s(partner_id, merchant_id, at, n)
            ),
            tickets AS (
                INSERT INTO city_ticket (partner_id, merchant_id, product_id, product_tmpl_id, company_id, state,
                                         uses_total, uses_done, manual_code, create_date, write_date)
                SELECT s.partner_id, s.merchant_id, %(product)s, %(template)s, %(company)s, 'redeemed', 1, 1,
                       %(tag)s || s.n, s.at, s.at
                  FROM src s
                RETURNING id, manual_code
            )
            INSERT INTO city_ticket_redemption (ticket_id, merchant_id, partner_id, uses, use_index, amount_fen,
                                                create_date, write_date)
            SELECT t.id, s.merchant_id, s.partner_id, 1, 1, 0, s.at, s.at
              FROM tickets t JOIN src s ON t.manual_code = %(tag)s || s.n
            """,
            partners=[row[0].id for row in rows],
            merchants=[row[1].id for row in rows],
            dates=[row[2] for row in rows],
            product=product.id,
            template=product.product_tmpl_id.id,
            company=company.id,
            tag=f"G{uuid.uuid4().hex[:12]}N",
        )
    )
    env.invalidate_all()
