# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Suite-wide pytest settings.

A skipped test is a test that did not run: the suite's CI treats it as a
failure (a missing Chromium or websocket-client must not let tours pass
silently). Set CITY_ALLOW_SKIPS=1 to allow skips locally.
"""

import ast
import os
import sys
import threading

import pytest

# CPython before 3.13 tracks the AST constructor's recursion depth in state shared by all
# threads, so two threads parsing at the same time can fail with "SystemError: AST
# constructor recursion depth mismatch" (python/cpython#106905). The HTTP server that
# pytest-odoo starts for HttpCase and tours serves each request in a thread, and Odoo
# parses manifests and view expressions with ast.parse: serialise those parses in tests.
if sys.version_info < (3, 13):
    _ast_parse = ast.parse
    _ast_parse_lock = threading.Lock()

    def _serialised_ast_parse(*args, **kwargs):
        with _ast_parse_lock:
            return _ast_parse(*args, **kwargs)

    _serialised_ast_parse.city_serialised = True  # addons/city_base/tests/__init__.py does it for odoo-bin
    ast.parse = _serialised_ast_parse


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not os.environ.get("CITY_ALLOW_SKIPS") and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped tests fail the suite (set CITY_ALLOW_SKIPS=1 to allow): {reason}"
