# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers shared by the benchmarks: the bench-only baseline addon installed and a
registry that loads it, a committed environment, a 2-worker server of the benchmark
database, a burst of requests (or POSTs) over keep-alive clients started together, and
percentiles of its latencies. ``benchmarks/run.py`` puts this folder on ``sys.path``:
a benchmark imports it as ``common``."""

import importlib.util
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH_ADDONS = HERE / "addons"
WORKERS = 2


def baseline_registry(bench):
    """Install the bench-only ``city_bench_baseline`` addon (trivial and single-row-insert
    endpoints) into the benchmark database and return a registry that loads it; the
    addons path (with the baseline) is what :func:`start_server` serves."""
    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    config = odoo.tools.config
    db = bench.registry.db_name
    addons_path = f"{config['addons_path']},{BENCH_ADDONS}"
    subprocess.run(
        [
            sys.executable, "-m", "odoo", "-c", str(REPO / "odoo.conf"),
            f"--addons-path={addons_path}", f"--data-dir={config['data_dir']}", "-d", db,
            "-i", "city_bench_baseline", "--stop-after-init", "--workers=0", "--log-level=warn",
        ],
        cwd=REPO,
        check=True,
    )  # fmt: skip
    config["addons_path"] = addons_path
    bench.registry = Registry.new(db)
    return bench.registry


def with_env(registry, func):
    """``func(env)`` as superuser in a transaction of its own, committed; its result."""
    import odoo  # noqa: PLC0415

    with registry.cursor() as cr:
        result = func(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))
        cr.commit()
    return result


def start_server(db, addons_path=None, workers=WORKERS):
    """tests/conftest.py's OdooServer, with its stderr in the log (not the bench output)."""
    import odoo  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location("city_tests_conftest", REPO / "tests" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    addons_path = addons_path or odoo.tools.config["addons_path"]
    server = conftest.OdooServer(db, workers=workers, extra=(f"--addons-path={addons_path}",))
    with open(server.log, "ab") as log:
        server.process = subprocess.Popen(server.cmd, cwd=REPO, stdin=subprocess.DEVNULL, stderr=log)
    conftest.wait_for_http(f"{server.url}/web/health", server.process)
    return server


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def post_burst(url, items, clients):
    """POST every ``(headers, body)`` of ``items``, split over ``clients`` keep-alive
    sessions released at once by a barrier.

    :return: ``(seconds, latencies, responses)`` with ``(status, text[:200])`` per response
    """
    return request_burst([("POST", url, headers, body) for headers, body in items], clients)


def request_burst(items, clients):
    """Send every ``(method, url, headers, body)`` of ``items`` (body: a str or None), split
    over ``clients`` keep-alive sessions released at once by a barrier.

    :return: ``(seconds, latencies, responses)`` with ``(status, text[:200])`` per response
    """
    latencies, responses, lock = [], [], threading.Lock()
    chunks = [items[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(chunk):
        http = requests.Session()
        barrier.wait()
        for method, url, headers, body in chunk:
            start = time.perf_counter()
            data = body.encode() if body is not None else None
            response = http.request(method, url, data=data, headers=headers, timeout=60)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                responses.append((response.status_code, response.text[:200]))

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, responses
