# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Suite-wide pytest settings.

A skipped test is a test that did not run: the suite's CI treats it as a
failure (a missing Chromium or websocket-client must not let tours pass
silently). Set CITY_ALLOW_SKIPS=1 to allow skips locally.
"""

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not os.environ.get("CITY_ALLOW_SKIPS") and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped tests fail the suite (set CITY_ALLOW_SKIPS=1 to allow): {reason}"
