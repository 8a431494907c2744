# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settlement: 10,000 deliveries released, posted in one batch entry and settled, against one move per delivery.

The measured path is what city_settlement does in production: deliveries are
released through ``city.escrow._release_many`` (row locks, the split engine,
allocation lines inserted in batches and hashed into the evidence chain), then
``city.settlement._run_settlements`` posts ONE journal entry for the batch and
builds the merchants' statements. The naive baseline creates and posts one
``account.move`` per delivery with the same split lines, on fewer deliveries
(its rate is compared, not its total).
"""

import itertools

DELIVERIES = 10_000
USES = 5  # multi-use cards: each escrow is released in USES deliveries
NAIVE_DELIVERIES = 300
BATCH = 1000


def _setup(env, tag, escrow_count):
    """Merchants, a split rule, paid orders and their escrow (setup, not measured)."""
    from odoo import Command  # noqa: PLC0415

    category = env.ref("city_base.merchant_category_dining")
    merchants = env["res.partner"].create(
        [
            {
                "name": f"基准商户{tag}{i}",
                "is_company": True,
                "is_merchant": True,
                "merchant_category_id": category.id,
                "city_settlement_cycle": "realtime",
            }
            for i in range(5)
        ]
    )
    member = env["res.partner"].create({"name": f"基准会员{tag}", "is_member": True})
    products = env["product.product"].create(
        [
            {"name": f"基准券{tag}{i}", "type": "service", "list_price": 50.0, "merchant_id": m.id, "taxes_id": False}
            for i, m in enumerate(merchants)
        ]
    )
    env["city.split.rule"].create(
        {"name": f"基准规则{tag}", "mode": "ratio", "merchant_percent": 92.0, "channel_fee_percent": 0.6}
    )
    company = env.company
    per_order = 10
    orders = env["sale.order"].create(
        [
            {
                "partner_id": member.id,
                "order_line": [
                    Command.create({"product_id": products[j % 5].id, "product_uom_qty": 1, "tax_id": False})
                    for j in range(per_order)
                ],
            }
            for _o in range(max(1, escrow_count // per_order))
        ]
    )
    vals = []
    for order in orders:
        for line in order.order_line:
            vals.append(
                {
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "order_id": order.id,
                    "order_line_id": line.id,
                    "partner_id": member.id,
                    "product_id": line.product_id.id,
                    "merchant_id": line.product_id.merchant_id.id,
                    "amount_paid": line.price_total,
                }
            )
    # The escrow an order payment creates (`_city_on_paid`), created in bulk for the benchmark.
    return env["city.escrow"].create(vals[:escrow_count]), merchants


def run(bench):
    from odoo import fields  # noqa: PLC0415

    from odoo.addons.city_base.tools.allocation import from_fen, to_fen  # noqa: PLC0415
    from odoo.addons.city_settlement.engine import split as engine  # noqa: PLC0415

    with bench.env() as env:
        env.company._city_get_accounts()
        escrows, merchants = _setup(env, "A", DELIVERIES // USES)
        escrow_ids, merchant_ids = escrows.ids, merchants.ids
        naive_escrows, _naive_merchants = _setup(env, "N", NAIVE_DELIVERIES)
        naive_ids = naive_escrows.ids
    bench.note(f"setup: {len(escrow_ids)} escrows × {USES} uses = {len(escrow_ids) * USES} deliveries")

    def settle():
        with bench.env() as env:
            escrows = env["city.escrow"].browse(escrow_ids)
            deliveries = [
                (escrow, float(from_fen(to_fen(escrow.amount_paid) // USES)), f"bench.delivery,{escrow.id}-{use}")
                for use in range(USES - 1)
                for escrow in escrows
            ] + [(escrow, None, f"bench.delivery,{escrow.id}-last") for escrow in escrows]
            for start in range(0, len(deliveries), BATCH):
                chunk = deliveries[start : start + BATCH]
                # The last use takes the residual, so nothing is left over.
                chunk = [(e, a if a is not None else e.amount_residual, s) for e, a, s in chunk]
                env["city.escrow"]._release_many(chunk)
            settlements = env["city.settlement"]._run_settlements(
                merchants=env["res.partner"].browse(merchant_ids), today=fields.Date.today()
            )
            return len(deliveries), settlements

    seconds, (count, settlements) = bench.timed(settle)
    with bench.env() as env:
        escrows = env["city.escrow"].browse(escrow_ids)
        moves = env["city.settlement.allocation"].search([("escrow_id", "in", escrow_ids)]).move_id
        bench.note(
            f"{count} deliveries → {len(moves)} journal entry, {len(settlements)} statements, "
            f"escrow left {sum(escrows.mapped('amount_residual')):.2f}"
        )

    def naive():
        with bench.env() as env:
            accounts = env.company._city_get_accounts()
            journal = accounts["city_settlement_journal_id"]
            rule = engine.Rule(mode="ratio", merchant_percent=92, channel_fee_percent="0.6")
            role_account = {
                "merchant": accounts["city_merchant_payable_account_id"],
                "platform_fee": accounts["city_platform_income_account_id"],
                "channel_fee": accounts["city_channel_fee_account_id"],
            }
            for escrow, n in zip(env["city.escrow"].browse(naive_ids), itertools.count(), strict=False):
                shares = engine.split(to_fen(escrow.amount_paid), rule, engine.Context(merchant=escrow.merchant_id.id))
                lines = [
                    fields.Command.create(
                        {
                            "account_id": accounts["city_escrow_account_id"].id,
                            "partner_id": escrow.merchant_id.id,
                            "debit": escrow.amount_paid,
                        }
                    )
                ] + [
                    fields.Command.create(
                        {
                            "account_id": role_account[s.role].id,
                            "partner_id": escrow.merchant_id.id,
                            "name": f"bench.naive,{n}",
                            "credit": float(from_fen(s.amount)),
                        }
                    )
                    for s in shares
                ]
                move = env["account.move"].create({"journal_id": journal.id, "line_ids": lines})
                move.action_post()
            return len(naive_ids)

    base_seconds, base_count = bench.timed(naive)
    bench.report(
        "batched settlement (deliveries)",
        count,
        seconds,
        "naive: one account.move per delivery",
        base_count,
        base_seconds,
        target=10,
    )
