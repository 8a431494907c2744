# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers shared by the HTTP benchmarks: a burst of requests (or POSTs) over keep-alive
clients started together, and percentiles of its latencies."""

import threading
import time

import requests


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
