# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The README's run command: creates the database with demo data, serves it
through nginx at the README's URL (http://localhost:<port>, the websocket
included), and keeps what users entered when run a second time."""

import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests
import websocket

import odoo

from odoo.addons.bus.websocket import WebsocketConnectionHandler

from conftest import REPO, OdooServer, free_port, wait_for_http

# Named after the test database, so that checkouts testing side by side do not collide.
DB = f"{os.environ.get('CITY_TEST_DB', 'city_test')}_run"


def start_run(port, odoo_port, gevent_port):
    env = dict(os.environ, CITY_DB=DB, CITY_PORT=str(port), CITY_ODOO_PORT=str(odoo_port))
    env["CITY_GEVENT_PORT"] = str(gevent_port)
    # One worker: the smallest multi-worker server, whose websocket is on the gevent port.
    return subprocess.Popen(
        ["bash", str(REPO / "scripts" / "run.sh"), "--workers=1", "--max-cron-threads=0"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def fresh_db():
    subprocess.run(["dropdb", "--if-exists", "--force", DB], check=True)
    stamp = Path(odoo.tools.config["data_dir"]) / f"{DB}.addons.sha256"
    stamp.unlink(missing_ok=True)
    yield
    subprocess.run(["dropdb", "--if-exists", "--force", DB], check=True)
    stamp.unlink(missing_ok=True)


def assert_served_through_nginx(url, http):
    """Pages and the bus websocket answer at ``url`` through nginx, as in a browser."""
    login_page = requests.get(f"{url}/web/login", timeout=30)
    assert login_page.status_code == 200 and 'name="login"' in login_page.text
    assert login_page.headers["Server"].startswith("nginx")
    ws_url = url.replace("http://", "ws://", 1) + f"/websocket?version={WebsocketConnectionHandler._VERSION}"
    session = f"session_id={http.cookies['session_id']}"
    ws = websocket.create_connection(ws_url, origin=url, cookie=session, timeout=30)
    try:
        assert ws.getstatus() == 101
        assert ws.getheaders()["server"].startswith("nginx")
        # Frames pass both ways through the proxy: Odoo answers a ping with its payload.
        ws.ping("city")
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert (opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"city")
    finally:
        ws.close()


def test_run_twice_keeps_data(fresh_db):
    port, odoo_port, gevent_port = free_port(), free_port(), free_port()
    server = OdooServer(DB)
    # The README's URL: http://localhost:<port>, served by nginx.
    server.port, server.url = port, f"http://localhost:{port}"

    process = start_run(port, odoo_port, gevent_port)
    try:
        wait_for_http(f"{server.url}/web/login", process, timeout=900)
        http = server.session("operator", "operator")
        district_id = server.call_kw(
            http,
            "city.district",
            "create",
            [{"name": "持久化检查商圈", "code": "CI-KEEP", "latitude": 22.5431, "longitude": 114.0579}],
        )
        admin = server.session("admin", "admin")
        # Every module of the suite installed with its demo data (Odoo only warns when it fails).
        without_demo = [("name", "=like", "city\\_%"), ("state", "=", "installed"), ("demo", "=", False)]
        assert server.call_kw(admin, "ir.module.module", "search_count", [without_demo]) == 0
        # The operator is a company in China: CNY, Chinese chart, pricelists in CNY.
        chinese = [("id", "=", 1), ("country_id.code", "=", "CN"), ("currency_id.name", "=", "CNY")]
        assert server.call_kw(admin, "res.company", "search_count", [[*chinese, ("chart_template", "=", "cn")]]) == 1
        # The demo operator has a Chinese name (city_ticketing's demo, after stock's "My Company (San Francisco)").
        assert server.call_kw(admin, "res.company", "read", [[1], ["name"]])[0]["name"] == "静安寺商圈运营有限公司"
        not_cny = [("currency_id.name", "!=", "CNY")]
        all_records = {"context": {"active_test": False}}
        assert server.call_kw(admin, "product.pricelist", "search_count", [not_cny], all_records) == 0
        # Odoo (proxy_mode) takes the URL from nginx's forwarded headers.
        base_url = server.call_kw(admin, "ir.config_parameter", "get_param", ["web.base.url"])
        assert base_url == server.url
    finally:
        stop(process)

    # The second run takes the path of a checkout whose addons changed: it updates the modules.
    (Path(odoo.tools.config["data_dir"]) / f"{DB}.addons.sha256").unlink()
    process = start_run(port, odoo_port, gevent_port)
    try:
        wait_for_http(f"{server.url}/web/login", process, timeout=600)
        http = server.session("admin", "admin")
        assert_served_through_nginx(server.url, http)
        # The update kept every module's demo data (reloading it would fail and drop the flag).
        assert server.call_kw(http, "ir.module.module", "search_count", [without_demo]) == 0
        found = server.call_kw(http, "city.district", "search_read", [[("code", "=", "CI-KEEP")]], {"fields": ["name"]})
        assert found == [{"id": district_id, "name": "持久化检查商圈"}]
    finally:
        stop(process)
