# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures for the top-level tests: a real Odoo server on loopback.

pytest-odoo has already parsed odoo.conf and the command line, so the server
started here uses the same addons path, data directory and test database.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

import odoo

REPO = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_launcher():
    """How to start Odoo: its launcher script (odoo-bin, or the installed ``odoo``).

    A prefork server starts its gevent (websocket) process by re-running
    ``sys.argv[0]``, which fails when Odoo was started as ``python -m odoo``.
    """
    root = Path(odoo.__file__).resolve().parent.parent
    for path in (root / "odoo-bin", Path(sys.executable).parent / "odoo", shutil.which("odoo")):
        if path and Path(path).is_file():
            return [str(path)]
    return ["-m", "odoo"]


def wait_for_http(url, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Odoo exited with code {process.returncode} before answering {url}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"Odoo did not answer {url} within {timeout}s")


class OdooServer:
    """An Odoo server process with workers, serving one database on loopback."""

    def __init__(self, db, workers=2, extra=()):
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = odoo.tools.config
        self.log = Path(config["data_dir"]) / "logs" / f"server-{db}-{self.port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.cmd = [
            sys.executable, *odoo_launcher(),
            "-c", str(REPO / "odoo.conf"),
            f"--addons-path={config['addons_path']}",
            f"--data-dir={config['data_dir']}",
            f"--database={db}",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            f"--workers={workers}",
            "--max-cron-threads=0",
            f"--logfile={self.log}",
            "--log-level=warn",
            *extra,
        ]  # fmt: skip
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.cmd, cwd=REPO, stdin=subprocess.DEVNULL)
        wait_for_http(f"{self.url}/web/health", self.process)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def session(self, login, password):
        """A requests session logged in as ``login``."""
        http = requests.Session()
        response = http.post(
            f"{self.url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "params": {"db": self.db, "login": login, "password": password}},
            timeout=30,
        )
        response.raise_for_status()
        assert "error" not in response.json(), response.json()
        return http

    def call_kw(self, http, model, method, args=(), kwargs=None):
        response = http.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs or {}},
            },
            timeout=60,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        return body["result"]


@pytest.fixture(scope="session")
def odoo_server():
    """A multi-worker Odoo server on the test database (committed data only)."""
    server = OdooServer(os.environ.get("CITY_TEST_DB") or odoo.tools.config["db_name"]).start()
    yield server
    server.stop()


def superuser_env(cr):
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})


@contextmanager
def fake_gateway(registry, fake, mode="direct", **provider_vals):
    """The suite's WeChat Pay provider talking to the started ``fake`` server, in test
    state, in ``mode``, with the first bank journal and ``provider_vals``, committed for
    the block; the provider and the gateway address restored and ``fake`` stopped after."""
    from odoo.addons.city_wechatpay import const  # noqa: PLC0415 (Odoo's addons load with the registry)

    with registry.cursor() as cr:
        env = superuser_env(cr)
        env["ir.config_parameter"].set_param(const.GATEWAY_PARAM, fake.url)
        provider = env.ref("city_wechatpay.payment_provider_wechatpay")
        vals = {**fake.provider_vals(mode), "state": "test", **provider_vals}
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1)
        vals.setdefault("journal_id", journal.id)
        saved = provider._convert_to_write({name: provider[name] for name in vals})
        provider.write(vals)
        env.ref("payment.payment_method_wechat_pay").active = True
    try:
        yield
    finally:
        fake.stop()
        with registry.cursor() as cr:
            env = superuser_env(cr)
            env.ref("city_wechatpay.payment_provider_wechatpay").write(saved)
            env["ir.config_parameter"].set_param(const.GATEWAY_PARAM, False)
