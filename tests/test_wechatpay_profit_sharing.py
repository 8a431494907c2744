# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WeChat Pay profit sharing: the delivery cron and the 30-day deadline cron running at
the same moment on the same payment share it once (committed data, real cursors):

- in two threads at once;
- one cron holding the payment's row while the other runs (it skips the payment), and
  one whose snapshot predates the other's commit (it fails on the row and skips).

The fake WeChat Pay server runs in this process; no Odoo server is needed.
"""

import os
import threading
from datetime import timedelta

import pytest

import odoo
from odoo import Command, fields

from odoo.addons.city_wechatpay.tests.common import wechat_tx_vals
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay

from conftest import fake_gateway


def _env(cr):
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})


@pytest.fixture(scope="module")
def ps_env():
    db = os.environ.get("CITY_TEST_DB") or odoo.tools.config["db_name"]
    registry = odoo.modules.registry.Registry(db)
    fake = FakeWechatPay().start()
    with fake_gateway(registry, fake, "partner", wechatpay_receiver_name="城市生活运营有限公司"):
        with registry.cursor() as cr:
            ids, merchant_saved = _ps_data(_env(cr), fake)
        yield registry, fake, ids
        with registry.cursor() as cr:
            env = _env(cr)
            env["res.partner"].browse(ids[0]).write(merchant_saved)
            env["city.split.rule"].browse(ids[1]).active = False


def _ps_data(env, fake):
    """The merchant as the fake's sub-merchant, its 10 % rule and a ¥40 voucher."""
    merchant = env["res.partner"].search([("is_merchant", "=", True)], limit=1)
    merchant_saved = {"wechatpay_sub_mchid": merchant.wechatpay_sub_mchid}
    merchant.write({"wechatpay_sub_mchid": fake.sub_mchid, "wechatpay_legal_name": merchant.name})
    rule = env["city.split.rule"].create(
        {"name": "并发分账测试", "mode": "fee", "merchant_id": merchant.id, "platform_fee_percent": 10.0}
    )
    template = env["product.template"].create(
        {
            "name": "并发分账券",
            "type": "service",
            "list_price": 40.0,
            "merchant_id": merchant.id,
            "taxes_id": False,
            "invoice_policy": "order",
        }
    )
    return (merchant.id, rule.id, template.product_variant_id.id), merchant_saved


def _delivered_payment(ps_env):
    """A payment to the merchant's sub-account, delivered, 29 days old: both crons want it."""
    registry, fake, (_merchant_id, _rule_id, product_id) = ps_env
    with registry.cursor() as cr:
        env = _env(cr)
        member = env["res.partner"].create({"name": "并发分账会员", "is_member": True})
        order = env["sale.order"].create(
            {"partner_id": member.id, "order_line": [Command.create({"product_id": product_id, "tax_id": False})]}
        )
        order.action_confirm()
        tx = env["payment.transaction"].create(wechat_tx_vals(env, order, "o-ps-openid", partner=member))
        tx._get_processing_values()
        tx._wechatpay_apply("payment", fake.pay(tx.reference))
        tx._post_process()
        order.city_escrow_ids._release(40.0, f"test.use,{order.id}")
        tx.last_state_change = fields.Datetime.now() - timedelta(days=29)
        return tx.id, tx.reference


def _cron(registry, deadline, barrier=None):
    with registry.cursor() as cr:
        env = _env(cr)
        if barrier:
            barrier.wait(timeout=30)
        env["payment.transaction"]._cron_wechatpay_profit_sharing(deadline=deadline)


def _shares(registry, fake, tx_id, reference):
    with registry.cursor() as cr:
        payouts = _env(cr)["payment.transaction"].browse(tx_id).wechatpay_ps_payout_ids
        states = sorted(payouts.mapped("state"))
    sent = {r["out_order_no"] for r in fake.share_requests() if r["out_order_no"].startswith(reference)}
    return states, sent, fake.orders[reference]["ps"]


def test_crons_in_two_threads_share_once(ps_env):
    registry, fake, _ids = ps_env
    tx_id, reference = _delivered_payment(ps_env)
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=_cron, args=(registry, deadline, barrier)) for deadline in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    states, sent, account = _shares(registry, fake, tx_id, reference)
    assert states == ["done"]
    assert sent == {f"{reference}-S01"}
    assert (account["requests"], account["shared"], account["balance"], account["frozen"]) == (1, 400, 3600, 0)


def test_crons_held_row_and_old_snapshot_share_once(ps_env):
    registry, fake, _ids = ps_env
    tx_id, reference = _delivered_payment(ps_env)
    with registry.cursor() as cr_a, registry.cursor() as cr_b, registry.cursor() as cr_c:
        _env(cr_c)["res.partner"].search_count([])  # cursor C takes its snapshot now
        _env(cr_a)["payment.transaction"]._cron_wechatpay_profit_sharing()  # holds the row, not committed
        _env(cr_b)["payment.transaction"]._cron_wechatpay_profit_sharing(deadline=True)  # row busy: skipped
        cr_b.commit()
        cr_a.commit()
        # C still sees the payment frozen: it fails on the row A changed, and skips it.
        _env(cr_c)["payment.transaction"]._cron_wechatpay_profit_sharing(deadline=True)
        cr_c.commit()
    states, sent, account = _shares(registry, fake, tx_id, reference)
    assert states == ["done"]
    assert sent == {f"{reference}-S01"}
    assert account["requests"] == 1
