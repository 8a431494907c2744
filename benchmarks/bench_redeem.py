# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Ticket redemption: model method and HTTP endpoint against a trivial and a single-row-insert endpoint.

Everything is measured in the same run on the same database: the model method
``city.ticket._redeem_code`` (one committed transaction per redemption, escrow
released through city_settlement) against one committed single-row insert; and
``POST /city/ticketing/v1/redeem`` on a multi-worker server on loopback against
two bench-only endpoints of the same server (``benchmarks/addons/city_bench_baseline``,
installed only into the benchmark database): a trivial one and one that inserts
a row and commits. All three endpoints authenticate with the same bearer API key.
Target: a redemption costs at most 1.5× the single-row insert (throughput ratio ≥ 0.67).
The escrow of the redemptions is released afterwards in the redemption batch
(city_ticketing's default); its throughput is printed too.
"""

import json
import statistics

import common  # benchmarks/common.py (run.py puts benchmarks/ on sys.path)

ORDERS, TICKETS_PER_ORDER = 24, 50
MODEL_N = 300
HTTP_N = 600
CLIENTS = 4
WARMUP = 30


def _setup(env):
    """A merchant with an API user and key, a voucher and paid orders (tickets issued)."""
    from odoo import Command  # noqa: PLC0415

    category = env["city.merchant.category"].search([], limit=1)
    merchant = env["res.partner"].create(
        {"name": "压测火锅店", "is_company": True, "is_merchant": True, "merchant_category_id": category.id}
    )
    user = env["res.users"].create(
        {
            "name": "压测扫码枪",
            "login": f"bench_scanner_{merchant.id}",
            "merchant_id": merchant.id,
            "groups_id": [Command.set([env.ref("base.group_user").id, env.ref("city_base.group_merchant_manager").id])],
        }
    )
    key = env["res.users.apikeys"].with_user(user).sudo()._generate(None, "bench", None)
    template = env["product.template"].create(
        {
            "name": "压测代金券",
            "city_ticket_type": "voucher",
            "list_price": 99.0,
            "merchant_id": merchant.id,
            "taxes_id": [Command.clear()],
            "city_valid_days": 30,
        }
    )
    members = env["res.partner"].create([{"name": f"压测会员{i}", "is_member": True} for i in range(ORDERS)])
    for member in members:
        order = env["sale.order"].create(
            {
                "partner_id": member.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": template.product_variant_id.id,
                            "product_uom_qty": TICKETS_PER_ORDER,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": invoice.invoice_date or invoice.date}
        )._create_payments()
    tickets = env["city.ticket"].search([("product_tmpl_id", "=", template.id)])
    # Interleave orders so that consecutive redemptions hit different escrow rows.
    by_order = {}
    for ticket in tickets:
        by_order.setdefault(ticket.order_id.id, []).append(ticket.token)
    tokens = [t for group in zip(*by_order.values(), strict=False) for t in group]
    return {"merchant": merchant.id, "user": user.id, "key": key, "tokens": tokens}


def _http_run(url, key, bodies, clients):
    """POST every body (split over ``clients`` keep-alive sessions); (seconds, latencies, errors)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    seconds, latencies, responses = common.post_burst(url, [(headers, json.dumps(b)) for b in bodies], clients)
    return seconds, latencies, [(status, text) for status, text in responses if status != 200]


def run(bench):
    import odoo  # noqa: PLC0415

    db = bench.registry.db_name
    registry = common.baseline_registry(bench)

    seconds, data = bench.timed(lambda: common.with_env(registry, _setup))
    bench.note(f"setup: {len(data['tokens'])} tickets issued from {ORDERS} paid orders in {seconds:.1f}s")
    tokens = data["tokens"]
    model_tokens, http_tokens = tokens[:MODEL_N], tokens[MODEL_N : MODEL_N + WARMUP + HTTP_N]

    # --- model method, one committed transaction each ---------------------------------
    def redeem_all():
        for token in model_tokens:
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, data["user"], {})
                env["city.ticket"]._redeem_code(token, device="bench")

    def insert_all():
        for i in range(MODEL_N):
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, data["user"], {})
                env["city.bench.row"].create({"name": f"row {i}"})

    insert_seconds, _ = bench.timed(insert_all)
    redeem_seconds, _ = bench.timed(redeem_all)
    bench.report(
        "model _redeem_code",
        MODEL_N,
        redeem_seconds,
        "model single-row insert",
        MODEL_N,
        insert_seconds,
    )

    # --- HTTP on a multi-worker server ------------------------------------------------
    server = common.start_server(db)
    try:
        base = server.url
        key = data["key"]
        results = {}
        for label, path, bodies in (
            ("trivial", "/city/bench/trivial", [{"code": str(i)} for i in range(HTTP_N)]),
            ("insert", "/city/bench/insert", [{"code": str(i)} for i in range(HTTP_N)]),
        ):
            _http_run(base + path, key, [{"code": "warm"}] * WARMUP, CLIENTS)
            results[label] = _http_run(base + path, key, bodies, CLIENTS)
        _http_run(base + "/city/ticketing/v1/redeem", key, [{"code": t} for t in http_tokens[:WARMUP]], CLIENTS)
        results["redeem"] = _http_run(
            base + "/city/ticketing/v1/redeem", key, [{"code": t} for t in http_tokens[WARMUP:]], CLIENTS
        )
    finally:
        server.stop()
    for label, (secs, latencies, errors) in results.items():
        bench.note(
            f"HTTP {label}: {len(latencies)} requests, {CLIENTS} clients, {common.WORKERS} workers: "
            f"{len(latencies) / secs:,.1f}/s, p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {common.percentile(latencies, 99) * 1000:.1f} ms, errors {len(errors)} {errors[:2]}"
        )

    # --- the redemption batch: escrow released through city_settlement -------------
    def release_all():
        count = 0
        while True:
            with registry.cursor() as cr:
                batch = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["city.ticket.redemption"]._cron_release_escrow()
                count += len(batch)
            if not batch:
                return count

    release_seconds, released = bench.timed(release_all)
    bench.note(
        f"redemption batch: escrow of {released} redemptions released in {release_seconds:.2f}s "
        f"({released / release_seconds if release_seconds else 0:,.1f}/s, one _release_many per 1000)"
    )
    redeem, insert, trivial = results["redeem"], results["insert"], results["trivial"]
    bench.report("HTTP redeem", HTTP_N, redeem[0], "HTTP trivial", HTTP_N, trivial[0])
    ratio = bench.report("HTTP redeem", HTTP_N, redeem[0], "HTTP single-row insert", HTTP_N, insert[0], target=0.67)
    bench.note(
        f"cost of a redemption = {1 / ratio:.2f}× the single-row insert endpoint (target ≤ 1.5×); "
        f"p50 {statistics.median(redeem[1]) / statistics.median(insert[1]):.2f}×, "
        f"p99 {common.percentile(redeem[1], 99) / common.percentile(insert[1], 99):.2f}×"
    )
