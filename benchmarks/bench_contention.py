# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Hot rows: parallel purchases at one merchant against the same number at as many merchants.

THREADS clients each earn the points of PER_THREAD purchases, one committed
transaction per purchase, through the real path of a paid order
(``city.points.wallet._earn_purchases``: member spend, tier, rules and checks,
the wallet lock, the ledger line and lot, the points money booked through
``city.settlement.allocation._book_points``). Every purchase is by a member of
its own, so wallet locks never meet: what is measured is what purchases of one
merchant share. Scenario *one merchant*: every purchase at the same merchant;
scenario *N merchants*: each client at a merchant of its own. Target: one
merchant runs at ≥ 0.8× the throughput of N merchants (no lock that every
purchase of a merchant must take). A transaction that meets a serialization
failure or a deadlock is retried, as Odoo retries a request, and counted.

For comparison the run also measures the former design, emulated: the same
one-merchant purchases with the merchant's ``res_partner`` row locked at the
booking (``SELECT … FOR NO KEY UPDATE``, what ``_book_points`` did), held to
the commit. Rounds alternate between scenarios; each keeps its best round.
"""

import threading
import time

from psycopg2 import errors

THREADS = 4
PER_THREAD = 40
ROUNDS = 3
RETRIES = 10
_lock_waits = []  # seconds each emulated merchant lock took to get (the former design only)
_lock_waits_guard = threading.Lock()


def _setup(bench, tag):
    with bench.env() as env:
        env.company.city_points_velocity_max = 10_000
        category = env.ref("city_base.merchant_category_tea")
        merchants = env["res.partner"].create(
            [
                {
                    "name": f"争用商户{tag}-{i}",
                    "is_company": True,
                    "is_merchant": True,
                    "merchant_category_id": category.id,
                }
                for i in range(THREADS)
            ]
        )
        members = env["res.partner"].create(
            [{"name": f"争用会员{tag}-{i}", "is_member": True} for i in range(THREADS * PER_THREAD)]
        )
        env["city.points.wallet"]._get_wallets(members)
        return merchants.ids, members.ids


def _run_scenario(bench, tag, merchant_of_thread, member_ids, lock_merchant=False):
    """Run THREADS clients; return (seconds, purchases, retries)."""
    import odoo  # noqa: PLC0415

    retryable = (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)
    retries = [0] * THREADS
    context = {"city_bench_lock_merchant": True} if lock_merchant else {}
    failures = []
    start_gate = threading.Barrier(THREADS + 1)

    def client(index):
        try:
            start_gate.wait()
            merchant_id = merchant_of_thread[index]
            for n in range(PER_THREAD):
                member_id = member_ids[index * PER_THREAD + n]
                for _attempt in range(RETRIES):
                    try:
                        with bench.registry.cursor() as cr:
                            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)
                            browse = env["res.partner"].browse
                            env["city.points.wallet"]._earn_purchases(
                                [
                                    {
                                        "partner": browse(member_id),
                                        "merchant": browse(merchant_id),
                                        "amount_fen": 8800,
                                        "source_ref": f"sale.order,{tag}{index}{n:04d}",
                                    }
                                ]
                            )
                        break
                    except retryable:
                        retries[index] += 1
                else:
                    raise RuntimeError(f"purchase {index}/{n} failed {RETRIES} times")
        except Exception as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return elapsed, THREADS * PER_THREAD, sum(retries)


def _emulate_merchant_lock(bench):
    """Make ``_book_points`` lock the merchant's row first when the context asks (the former design)."""
    Allocation = bench.registry["city.settlement.allocation"]
    original = Allocation._book_points

    def _book_points(self, merchant, *args, **kwargs):
        if self.env.context.get("city_bench_lock_merchant"):
            started = time.perf_counter()
            self.env.cr.execute("SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE", [merchant.id])
            with _lock_waits_guard:
                _lock_waits.append(time.perf_counter() - started)
        return original(self, merchant, *args, **kwargs)

    Allocation._book_points = _book_points
    return lambda: setattr(Allocation, "_book_points", original)


def run(bench):
    restore = _emulate_merchant_lock(bench)
    try:
        _run(bench)
    finally:
        restore()


def _run(bench):
    with bench.env() as env:
        if not env["city.points.rule"].search_count([("event", "=", "purchase"), ("merchant_id", "=", False)]):
            env["city.points.rule"].create(
                {
                    "name": "Benchmark 1 point per yuan",
                    "event": "purchase",
                    "points_per_yuan": 1.0,
                    "merchant_id": False,
                }
            )
    best = {"one": None, "many": None, "locked": None}
    retries = {"one": 0, "many": 0, "locked": 0}
    for round_ in range(ROUNDS):
        for scenario in ("many", "one", "locked"):
            tag = f"{scenario}{round_}"
            merchant_ids, member_ids = _setup(bench, tag)
            merchant_of_thread = merchant_ids if scenario == "many" else [merchant_ids[0]] * THREADS
            seconds, count, retried = _run_scenario(
                bench, tag, merchant_of_thread, member_ids, lock_merchant=scenario == "locked"
            )
            retries[scenario] += retried
            if scenario == "locked":
                waited = sum(_lock_waits)
                bench.note(
                    f"round {round_} locked: {waited:.3f}s waited for the merchant row, {len(_lock_waits)} bookings"
                )
                _lock_waits.clear()
            if best[scenario] is None or seconds < best[scenario][0]:
                best[scenario] = (seconds, count)
            bench.note(f"round {round_} {scenario}: {count} purchases in {seconds:.3f}s, {retried} retried")
    with bench.env() as env:
        # Every points booking of the run is in the books exactly once (no lock, no double booking).
        env.cr.execute(
            "SELECT COUNT(*), COUNT(DISTINCT (source_ref, merchant_id, role)) FROM city_settlement_allocation"
            " WHERE movement = 'points' AND role = 'points_issue'"
        )
        total, distinct = env.cr.fetchone()
        bench.note(f"points issue lines: {total}, distinct (source, merchant, role): {distinct}")
    bench.note(f"retried transactions: {retries}")
    bench.report(
        f"{THREADS} parallel clients at one merchant (best of {ROUNDS})",
        best["one"][1],
        best["one"][0],
        f"{THREADS} parallel clients at {THREADS} merchants (best of {ROUNDS})",
        best["many"][1],
        best["many"][0],
        target=0.8,
    )
    bench.report(
        "former design emulated: one merchant with its row locked at the booking",
        best["locked"][1],
        best["locked"][0],
        f"{THREADS} parallel clients at {THREADS} merchants",
        best["many"][1],
        best["many"][0],
    )
