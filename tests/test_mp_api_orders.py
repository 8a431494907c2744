# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The mini-program API on a real 2-worker server: 20 members order the last 5 units at
once (5 sold, the others told "sold out", never a 5xx), and the same idempotency key sent
5 times at once makes one order.

Members log in through the fake WeChat API running in this process; the data is
committed in the test database (the server's workers see committed data only).
"""

import threading
import time

import pytest
import requests

import odoo

from odoo.addons.city_miniprogram_api.tests.fake_wechat_api import APPID, SECRET, FakeWechatApi

P = "/api/mp/v1"
PARALLEL = 20
PARAMS = ("appid", "secret", "api_base", "rate_limit.login", "rate_limit.order")


@pytest.fixture(scope="module")
def mp_env(odoo_server):
    registry = odoo.modules.registry.Registry(odoo_server.db)
    fake = FakeWechatApi().start()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        icp = env["ir.config_parameter"]
        saved = {name: icp.get_param(f"city_miniprogram_api.{name}") for name in PARAMS}
        values = {
            "appid": APPID,
            "secret": SECRET,
            "api_base": fake.url,
            "rate_limit.login": "1000/60",
            "rate_limit.order": "1000/60",
        }
        for name, value in values.items():
            icp.set_param(f"city_miniprogram_api.{name}", value)
    registry.signal_changes()  # the workers drop their cached parameters
    yield registry, fake
    fake.stop()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for name, value in saved.items():
            env["ir.config_parameter"].set_param(f"city_miniprogram_api.{name}", value or False)
    registry.signal_changes()


def _ticket_product(registry, quota):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        merchant = env["res.partner"].search([("is_merchant", "=", True)], limit=1)
        template = env["product.template"].create(
            {
                "name": "最后五张券",
                "city_ticket_type": "voucher",
                "list_price": 19.9,
                "merchant_id": merchant.id,
                "taxes_id": False,
                "city_quota": quota,
                "city_valid_days": 30,
            }
        )
        return template.id


def _login(url, fake, openid):
    response = requests.post(f"{url}{P}/auth/login", json={"code": fake.login_code(openid)}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["result"]["access_token"]


def _order(url, token, template_id, key, attempts=40):
    """Create the order, retrying while the server answers 429 (busy), as the mini-program does."""
    for _attempt in range(attempts):
        response = requests.post(
            f"{url}{P}/orders",
            json={"items": [{"product_id": template_id, "quantity": 1}]},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            timeout=60,
        )
        if response.status_code != 429:
            return response.status_code, response.json()
        time.sleep(min(float(response.headers.get("Retry-After", 1)), 2) * 0.5)
    return 429, response.json()


def _run_parallel(func, args_list):
    barrier = threading.Barrier(len(args_list))
    results, lock = [], threading.Lock()

    def run(args):
        barrier.wait()
        result = func(*args)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(args,)) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_last_units_never_oversold(odoo_server, mp_env):
    registry, fake = mp_env
    template_id = _ticket_product(registry, 5)
    url = odoo_server.url
    tokens = [_login(url, fake, f"openid-last-units-{time.time_ns()}-{i}") for i in range(PARALLEL)]
    results = _run_parallel(_order, [(url, token, template_id, "buy-last") for token in tokens])
    statuses = sorted(status for status, _body in results)
    assert all(status < 500 for status in statuses), results
    assert statuses.count(200) == 5, results
    assert {body["error"]["code"] for status, body in results if status != 200} == {"sold_out"}, results
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        template = env["product.template"].browse(template_id)
        assert template.city_sold_qty == 5
        lines = env["sale.order.line"].search([("product_id", "=", template.product_variant_id.id)])
        assert sum(lines.filtered(lambda line: line.order_id.state == "sale").mapped("product_uom_qty")) == 5


def test_same_key_at_once_makes_one_order(odoo_server, mp_env):
    registry, fake = mp_env
    template_id = _ticket_product(registry, 10)
    url = odoo_server.url
    token = _login(url, fake, f"openid-same-key-{time.time_ns()}")
    results = _run_parallel(_order, [(url, token, template_id, "double-tap")] * 5)
    assert [status for status, _body in results] == [200] * 5, results
    assert len({body["result"]["id"] for _status, body in results}) == 1, results
    assert sorted(body["result"]["replayed"] for _status, body in results) == [False] + [True] * 4
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        assert env["product.template"].browse(template_id).city_sold_qty == 1
