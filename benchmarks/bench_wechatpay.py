# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WeChat Pay notices: a burst of payment notices against the single-row-insert endpoint.

Every order is prepaid at the fake WeChat Pay server (tests/fake_wechatpay.py, in this
process), then its signed payment notice is POSTed to ``/payment/wechatpay/webhook`` on
a 2-worker server on loopback (signature, timestamp, decryption, checks, the notice
recorded by id, applied once), by 4 keep-alive clients; the baseline is the bench-only
single-row-insert endpoint of the same server in the same run (bearer key). Then every
notice is delivered a second time (WeChat repeats them), and Odoo's payment
post-processing (what the triggered cron does) takes every order into escrow: the time
until every order is processed, and that each is processed exactly once.
Target: the notice answer's p99 ≤ 3× the insert endpoint's.
"""

import os
import statistics

import common  # benchmarks/common.py (run.py puts benchmarks/ on sys.path)

N = int(os.environ.get("CITY_BENCH_WECHATPAY_N", 300))
CLIENTS = 4
WARMUP = 20


def _setup(env, fake, count):
    from odoo import Command  # noqa: PLC0415

    from odoo.addons.city_wechatpay import const  # noqa: PLC0415

    env["ir.config_parameter"].set_param(const.GATEWAY_PARAM, fake.url)
    provider = env.ref("city_wechatpay.payment_provider_wechatpay")
    journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1)
    provider.write({**fake.provider_vals(), "state": "test", "journal_id": journal.id})
    method = env.ref("payment.payment_method_wechat_pay")
    method.active = True
    category = env["city.merchant.category"].search([], limit=1)
    merchant = env["res.partner"].create(
        {"name": "压测奶茶店", "is_company": True, "is_merchant": True, "merchant_category_id": category.id}
    )
    user = env["res.users"].create(
        {
            "name": "压测接口",
            "login": f"bench_wechatpay_{merchant.id}",
            "groups_id": [Command.set([env.ref("base.group_user").id])],
        }
    )
    key = env["res.users.apikeys"].with_user(user).sudo()._generate(None, "bench", None)
    template = env["product.template"].create(
        {
            "name": "压测奶茶券",
            "type": "service",
            "list_price": 18.8,
            "merchant_id": merchant.id,
            "taxes_id": False,
            "city_ticket_type": "voucher",
            "city_valid_days": 30,
        }
    )
    members = env["res.partner"].create([{"name": f"压测会员{i}", "is_member": True} for i in range(count)])
    orders = env["sale.order"].create(
        [
            {
                "partner_id": member.id,
                "order_line": [Command.create({"product_id": template.product_variant_id.id, "tax_id": False})],
            }
            for member in members
        ]
    )
    orders.action_confirm()
    txs = env["payment.transaction"]
    for order in orders:
        tx = env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": env["payment.transaction"]._compute_reference(
                    "wechatpay", sale_order_ids=[Command.set(order.ids)]
                ),
                "operation": "online_direct",
                "sale_order_ids": [Command.set(order.ids)],
                "wechatpay_openid": f"o-bench-{order.id}",
            }
        )
        tx._wechatpay_prepay()
        txs |= tx
    return {"key": key, "tx_ids": txs.ids, "order_ids": orders.ids, "references": txs.mapped("reference")}


def _run(url, requests_list, clients):
    """POST every (headers, body) over ``clients`` sessions: (seconds, latencies, statuses)."""
    seconds, latencies, responses = common.post_burst(url, requests_list, clients)
    return seconds, latencies, [status for status, _text in responses]


def run(bench):
    import odoo  # noqa: PLC0415

    from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay  # noqa: PLC0415

    db = bench.registry.db_name
    registry = common.baseline_registry(bench)
    fake = FakeWechatPay().start()
    try:
        seconds, data = bench.timed(lambda: common.with_env(registry, lambda env: _setup(env, fake, N + WARMUP)))
        bench.note(f"setup: {N + WARMUP} orders prepaid at the fake WeChat Pay server in {seconds:.1f}s")
        notices = [fake.notice("TRANSACTION.SUCCESS", fake.pay(ref)) for ref in data["references"]]
        key = data["key"]
        inserts = [
            ({"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, f'{{"code": "{i}"}}')
            for i in range(N + WARMUP)
        ]
        server = common.start_server(db)
        try:
            notify = server.url + "/payment/wechatpay/webhook"
            _run(server.url + "/city/bench/insert", inserts[:WARMUP], CLIENTS)
            _run(notify, notices[:WARMUP], CLIENTS)
            insert = _run(server.url + "/city/bench/insert", inserts[WARMUP:], CLIENTS)
            notice = _run(notify, notices[WARMUP:], CLIENTS)
            repeat = _run(notify, notices, CLIENTS)
        finally:
            server.stop()
    finally:
        fake.stop()
    for label, (secs, latencies, statuses) in (("insert", insert), ("notice", notice), ("repeat", repeat)):
        bench.note(
            f"HTTP {label}: {len(latencies)} requests, {CLIENTS} clients, 2 workers: {len(latencies) / secs:,.1f}/s, "
            f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {common.percentile(latencies, 99) * 1000:.1f} ms, "
            f"statuses {sorted(set(statuses))}"
        )

    def post_process():
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            txs = env["payment.transaction"].browse(data["tx_ids"])
            for tx in txs.filtered(lambda t: not t.is_post_processed):
                tx._post_process()

    pp_seconds, _ = bench.timed(post_process)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        txs = env["payment.transaction"].browse(data["tx_ids"])
        orders = env["sale.order"].browse(data["order_ids"])
        notices_count = env["city.wechatpay.notice"].search_count([("transaction_id", "in", txs.ids)])
        done = len(txs.filtered(lambda t: t.state == "done"))
        escrowed = [len(o.city_escrow_ids) for o in orders]
        tickets = [len(o.city_ticket_ids) for o in orders]
        payments = [len(t.payment_id) for t in txs]
    once = done == len(txs) and set(escrowed) == set(tickets) == set(payments) == {1} and notices_count == len(txs)
    bench.note(
        f"post-processing (the triggered cron): every order's tickets exist {pp_seconds:.2f}s after the burst "
        f"({len(orders)} orders, escrow and tickets); done {done}/{len(txs)}, notices recorded {notices_count}, "
        f"escrow per order {sorted(set(escrowed))}, tickets per order {sorted(set(tickets))}, "
        f"payments per transaction {sorted(set(payments))} (every order exactly once: {once})"
    )
    bench.report("HTTP notice", N, notice[0], "HTTP single-row insert", N, insert[0])
    p99 = common.percentile(notice[1], 99) / common.percentile(insert[1], 99)
    p50 = statistics.median(notice[1]) / statistics.median(insert[1])
    verdict = "met" if p99 <= 3 else "NOT met"
    bench.note(f"notice answer p99 = {p99:.2f}× the insert endpoint's (target ≤ 3×: {verdict}); p50 {p50:.2f}×")
