# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Smart business district notices on a real 2-worker server: the same district payment
notice 10 times in parallel earns its points once (one payment, one ledger line, one
points notify queued); a later repeat is answered success.

The data is committed in the test database (the server's workers see committed data
only); the fake WeChat Pay server runs in this process.
"""

import threading

import pytest
import requests

import odoo

from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay
from odoo.addons.city_wechatpay_mall.models import const as mall_const
from odoo.addons.city_wechatpay_mall.tests import fake_mall

from conftest import fake_gateway

PARALLEL = 10
SHOP_MCHID = "1230000777"


@pytest.fixture
def mall_env(odoo_server):
    registry = odoo.modules.registry.Registry(odoo_server.db)
    fake = fake_mall.install(FakeWechatPay().start())
    with fake_gateway(registry, fake):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            provider = env.ref("city_wechatpay.payment_provider_wechatpay")
            merchant = env["res.partner"].search([("is_merchant", "=", True), ("city_mall_mchid", "=", False)], limit=1)
            merchant.city_mall_mchid = SHOP_MCHID
            member = env["res.partner"].create(
                {"name": "商圈并发会员", "is_member": True, "city_wx_openid": "o-mall-parallel-0001"}
            )
            # Only members who authorised the district's points service earn.
            authorizations = env["city.wechatpay.mall.authorization"]
            authorizations._mall_set(provider, fake.mchid, "o-mall-parallel-0001", "authorized")
            ids = {"merchant": merchant.id, "member": member.id, "company": provider.company_id.id}
        yield registry, fake, odoo_server, ids
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["res.partner"].browse(ids["merchant"]).city_mall_mchid = False


def test_same_district_notice_in_parallel_earns_once(mall_env):
    registry, fake, server, ids = mall_env
    resource = fake_mall.payment(fake, "o-mall-parallel-0001", 20000, SHOP_MCHID)
    headers, body = fake_mall.notice(fake, mall_const.PAYMENT_EVENT, resource)
    url = server.url + const.WEBHOOK_URL
    barrier = threading.Barrier(PARALLEL)
    statuses, lock = [], threading.Lock()

    def deliver():
        barrier.wait()
        response = requests.post(url, data=body.encode(), headers=headers, timeout=30)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {204, 503}, statuses
    assert 204 in statuses
    assert requests.post(url, data=body.encode(), headers=headers, timeout=30).status_code == 204
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        payments = env["city.wechatpay.mall.payment"].search([("transaction_id", "=", resource["transaction_id"])])
        assert len(payments) == 1
        points = payments.points  # by the database's earning rules
        assert (payments.state, payments.partner_id.id) == ("earned", ids["member"]) and points > 0
        lines = env["city.points.ledger"].search([("source_ref", "=", f"{payments._name},{payments.id}")])
        assert len(lines) == 1 and lines.points == points
        wallet = env["city.points.wallet"].search([("partner_id", "=", ids["member"])])
        assert wallet.balance == sum(env["city.points.ledger"].search([("wallet_id", "=", wallet.id)]).mapped("points"))
        assert env["city.wechatpay.notice"].search_count([("notice_id", "=", payments.notice_id.notice_id)]) == 1
        assert payments.notify_state == "pending", "the answer never waits on WeChat"
        env["city.wechatpay.mall.payment"]._cron_points_notify()
        assert payments.notify_state == "done"
    assert [call["increased_points"] for call in fake.points_notify_calls] == [points]
