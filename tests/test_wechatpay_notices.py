# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WeChat Pay notices on a real 2-worker server: the same notice 20 times in parallel
is applied once; the paid order then gets one payment and one escrow.

The data is committed in the test database (the server's workers see committed data
only); the fake WeChat Pay server runs in this process.
"""

import threading

import pytest
import requests

import odoo
from odoo import Command

from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.common import wechat_tx_vals
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay

from conftest import fake_gateway

PARALLEL = 20


@pytest.fixture
def wechatpay_env(odoo_server):
    registry = odoo.modules.registry.Registry(odoo_server.db)
    fake = FakeWechatPay().start()
    with fake_gateway(registry, fake):
        yield registry, fake


def _prepaid(registry, fake):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        merchant = env["res.partner"].search([("is_merchant", "=", True)], limit=1)
        template = env["product.template"].create(
            {"name": "并发测试券", "type": "service", "list_price": 66.6, "merchant_id": merchant.id, "taxes_id": False}
        )
        member = env["res.partner"].create({"name": "并发测试会员", "is_member": True})
        order = env["sale.order"].create(
            {
                "partner_id": member.id,
                "order_line": [Command.create({"product_id": template.product_variant_id.id, "tax_id": False})],
            }
        )
        order.action_confirm()
        tx = env["payment.transaction"].create(wechat_tx_vals(env, order, "o-parallel-openid", partner=member))
        tx._get_processing_values()  # the prepay, at the fake server
        return order.id, tx.id, tx.reference


def test_same_notice_in_parallel_applied_once(odoo_server, wechatpay_env):
    registry, fake = wechatpay_env
    order_id, tx_id, reference = _prepaid(registry, fake)
    headers, body = fake.notice("TRANSACTION.SUCCESS", fake.pay(reference))
    url = odoo_server.url + const.WEBHOOK_URL
    barrier = threading.Barrier(PARALLEL)
    statuses, lock = [], threading.Lock()

    def deliver():
        barrier.wait()
        response = requests.post(url, data=body.encode(), headers=headers, timeout=30)
        with lock:
            statuses.append((response.status_code, response.content))

    threads = [threading.Thread(target=deliver) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _content in statuses)
    assert set(codes) <= {204, 503}, statuses
    assert 204 in codes
    # WeChat's later repeat is answered success
    assert requests.post(url, data=body.encode(), headers=headers, timeout=30).status_code == 204

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        tx = env["payment.transaction"].browse(tx_id)
        order = env["sale.order"].browse(order_id)
        notices = env["city.wechatpay.notice"].search([("transaction_id", "=", tx_id)])
        assert tx.state == "done"
        assert len(notices) == 1 and notices.state == "done"
        assert not order.city_escrow_ids, "the notice's transaction books no escrow"
        tx._post_process()  # what the triggered post-processing cron does
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        tx = env["payment.transaction"].browse(tx_id)
        order = env["sale.order"].browse(order_id)
        assert len(tx.payment_id) == 1
        assert order.city_paid_date
        assert round(sum(order.city_escrow_ids.mapped("amount_paid")), 2) == 66.6
