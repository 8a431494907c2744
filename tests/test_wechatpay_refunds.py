# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every refund path of an order paid through WeChat Pay leaves its tickets refunded
and its escrow exact (paid − released − refunded, to the fen), on a real 2-worker
server with the fake WeChat Pay server:

- the suite's refund by policy (a ticket refunded on request, 随时退; expired and
  refunded automatically, 过期自动退): the ticket's share goes back through WeChat Pay,
  the same ``out_refund_no`` on a re-run, the escrow booked once;
- Odoo's refund button on the payment (``payment.refund.wizard``): the unredeemed
  tickets, newest first, up to the amount (the last one in part);
- a refund made on WeChat's merchant platform, seen in a ``REFUND.SUCCESS`` notice
  (repeated: applied once), which reaches a redeemed ticket: its delivery is reversed.

The data is committed in the test database (the server's workers see committed data
only); the fake WeChat Pay server runs in this process.
"""

from datetime import timedelta

import pytest
import requests

import odoo
from odoo import Command, fields

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.common import wechat_tx_vals
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay

from conftest import fake_gateway

PRICE = 33.33  # three tickets: 99.99, 3333 fen each


@pytest.fixture
def refund_env(odoo_server):
    registry = odoo.modules.registry.Registry(odoo_server.db)
    fake = FakeWechatPay().start()
    with fake_gateway(registry, fake):
        yield registry, fake, odoo_server


def _env(cr):
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})


def _paid_order(refund_env, policy="anytime", qty=3):
    """An order of ``qty`` tickets paid through prepay → notice → post-processing."""
    registry, fake, server = refund_env
    with registry.cursor() as cr:
        env = _env(cr)
        merchant = env["res.partner"].search([("is_merchant", "=", True)], limit=1)
        template = env["product.template"].create(
            {
                "name": "退款测试券",
                "type": "service",
                "list_price": PRICE,
                "merchant_id": merchant.id,
                "taxes_id": False,
                "invoice_policy": "order",
                "city_ticket_type": "voucher",
                "city_valid_days": 30,
                "city_refund_policy": policy,
            }
        )
        member = env["res.partner"].create({"name": "退款测试会员", "is_member": True})
        order = env["sale.order"].create(
            {
                "partner_id": member.id,
                "order_line": [
                    Command.create(
                        {"product_id": template.product_variant_id.id, "product_uom_qty": qty, "tax_id": False}
                    )
                ],
            }
        )
        order.action_confirm()
        tx = env["payment.transaction"].create(wechat_tx_vals(env, order, "o-refund-openid", partner=member))
        tx._get_processing_values()
        order_id, tx_id, reference = order.id, tx.id, tx.reference
    assert _post(server, *fake.notice("TRANSACTION.SUCCESS", fake.pay(reference))) == 204
    with registry.cursor() as cr:
        env = _env(cr)
        env["payment.transaction"].browse(tx_id)._post_process()  # what the triggered cron does
        assert len(env["sale.order"].browse(order_id).city_ticket_ids) == qty
    return order_id, tx_id, reference


def _post(server, headers, body):
    return requests.post(server.url + const.WEBHOOK_URL, data=body.encode(), headers=headers, timeout=30).status_code


def _refund_notice(refund_env, out_refund_no, notice_id=None):
    _registry, fake, server = refund_env
    return _post(server, *fake.notice("REFUND.SUCCESS", fake.refund_resource(out_refund_no), notice_id=notice_id))


def _post_process_refunds(registry, tx_id):
    with registry.cursor() as cr:
        env = _env(cr)
        refunds = env["payment.transaction"].search([("source_transaction_id", "=", tx_id)])
        refunds.filtered(lambda t: t.state == "done")._post_process()


def _check_exact(env, order):
    """Escrow = paid − released − refunded − forfeited, to the fen, and equal to what
    the unredeemed tickets still hold; every movement is an allocation line."""
    escrow = order.city_escrow_ids
    assert len(escrow) == 1
    paid, released = to_fen(escrow.amount_paid), to_fen(escrow.amount_released)
    refunded, forfeited = to_fen(escrow.amount_refunded), to_fen(escrow.amount_forfeited)
    assert to_fen(escrow.amount_residual) == paid - released - refunded - forfeited >= 0
    tickets = order.city_ticket_ids
    assert sum(t.paid_fen for t in tickets) == paid
    live = tickets.filtered(lambda t: t.state in ("issued", "transferred", "partial"))
    assert sum(t.paid_fen - t.released_fen - t.settled_fen for t in live) == to_fen(escrow.amount_residual)
    allocations = escrow.allocation_ids
    by_movement = {}
    for line in allocations:
        by_movement[line.movement] = by_movement.get(line.movement, 0) + to_fen(line.amount)
    assert by_movement.get("refund", 0) == refunded
    assert by_movement.get("release", 0) == released
    return escrow


def test_refund_by_policy_goes_back_through_wechatpay(refund_env):
    registry, fake, _server = refund_env
    order_id, tx_id, reference = _paid_order(refund_env)
    # a re-run of the member's request (Odoo re-runs a request after a serialization
    # failure): the first run's refund reached WeChat, its transaction rolled back
    with registry.cursor() as cr:
        env = _env(cr)
        ticket = env["sale.order"].browse(order_id).city_ticket_ids.sorted("id")[-1]
        ticket._action_refund()
        cr.rollback()
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(order_id)
        ticket = order.city_ticket_ids.sorted("id")[-1]
        assert ticket.state == "issued"
        ticket._action_refund()
        out_refund_no = f"{reference}-T{ticket.id}"
        refund = env["payment.transaction"].search([("source_transaction_id", "=", tx_id)])
        assert (refund.wechatpay_out_refund_no, refund.reference, refund.amount) == (
            out_refund_no,
            out_refund_no,
            -33.33,
        )
        assert refund.state == "pending" and not refund.wechatpay_book_escrow
        # the same ticket again through the hook: the same refund, nothing new
        assert order._city_refund_to_channel(33.33, f"T{ticket.id}") == refund
        assert ticket.state == "refunded"
        escrow = _check_exact(env, order)
        assert escrow.amount_refunded == 33.33
    sent = [no for no, r in fake.refunds.items() if r["out_trade_no"] == reference]
    assert sent == [out_refund_no], "one refund at WeChat, the same out_refund_no on the re-run"
    assert fake.refunds[out_refund_no]["amount"]["refund"] == 3333
    assert fake.refunds[out_refund_no]["amount"]["total"] == 9999
    # WeChat confirms it, twice: booked once (by the ticket's refund, not again)
    notice_id = "refund-notice-policy-" + reference
    assert _refund_notice(refund_env, out_refund_no, notice_id) == 204
    assert _refund_notice(refund_env, out_refund_no, notice_id) == 204
    _post_process_refunds(registry, tx_id)
    _post_process_refunds(registry, tx_id)
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(order_id)
        refund = env["payment.transaction"].search([("source_transaction_id", "=", tx_id)])
        assert refund.state == "done"
        assert env["city.wechatpay.notice"].search_count([("notice_id", "=", notice_id)]) == 1
        escrow = _check_exact(env, order)
        assert escrow.amount_refunded == 33.33
        assert order.city_ticket_ids.mapped("state").count("refunded") == 1


def test_expired_tickets_refunded_automatically_through_wechatpay(refund_env):
    registry, fake, _server = refund_env
    order_id, tx_id, reference = _paid_order(refund_env, policy="expire_refund", qty=2)
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(order_id)
        first, second = order.city_ticket_ids.sorted("id")
        first._redeem_code(first.manual_code, merchant=first.merchant_id)
        first.redemption_ids._release_escrow()  # the redemption batch
        past = fields.Datetime.now() - timedelta(minutes=1)
        order.city_ticket_ids.write({"valid_to": past})
        env["city.ticket"]._cron_expire_tickets()
        assert second.state == "refunded" and first.state == "redeemed"
        refund = env["payment.transaction"].search([("source_transaction_id", "=", tx_id)])
        assert refund.wechatpay_out_refund_no == f"{reference}-T{second.id}"
        escrow = _check_exact(env, order)
        assert (escrow.amount_released, escrow.amount_refunded, escrow.amount_residual) == (33.33, 33.33, 0.0)
        out_refund_no = refund.wechatpay_out_refund_no
    assert fake.refunds[out_refund_no]["amount"]["refund"] == 3333
    assert _refund_notice(refund_env, out_refund_no) == 204
    _post_process_refunds(registry, tx_id)
    with registry.cursor() as cr:
        env = _env(cr)
        escrow = _check_exact(env, env["sale.order"].browse(order_id))
        assert (escrow.amount_refunded, escrow.amount_reversed) == (33.33, 0.0)


def test_refund_button_refunds_newest_tickets_up_to_the_amount(refund_env):
    registry, fake, _server = refund_env
    order_id, tx_id, _reference = _paid_order(refund_env)
    with registry.cursor() as cr:
        env = _env(cr)
        payment = env["payment.transaction"].browse(tx_id).payment_id
        assert payment
        wizard = (
            env["payment.refund.wizard"]
            .with_context(active_model="account.payment", active_id=payment.id)
            .create({"payment_id": payment.id, "amount_to_refund": 40.0})
        )
        wizard.action_refund()
        refund = env["payment.transaction"].search([("source_transaction_id", "=", tx_id)])
        assert refund.state == "pending" and refund.wechatpay_book_escrow
        out_refund_no = refund.wechatpay_out_refund_no
        # nothing is booked before WeChat confirms the refund
        assert env["sale.order"].browse(order_id).city_escrow_ids.amount_refunded == 0.0
    assert fake.refunds[out_refund_no]["amount"]["refund"] == 4000
    assert _refund_notice(refund_env, out_refund_no) == 204
    _post_process_refunds(registry, tx_id)
    _post_process_refunds(registry, tx_id)  # again: booked once
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(order_id)
        oldest, middle, newest = order.city_ticket_ids.sorted("id")
        assert newest.state == "refunded" and newest.settled_fen == 3333
        assert middle.state == "issued" and middle.settled_fen == 667, "the rest of 40.00 off the next one"
        assert oldest.state == "issued" and oldest.settled_fen == 0
        escrow = _check_exact(env, order)
        assert (escrow.amount_refunded, escrow.amount_residual) == (40.0, 59.99)
        # what is left of the ticket refunded in part is still redeemable, for what is left
        middle._redeem_code(middle.manual_code, merchant=middle.merchant_id)
        middle.redemption_ids._release_escrow()
        assert middle.released_fen == 2666
        escrow = _check_exact(env, order)
        assert (escrow.amount_released, escrow.amount_residual) == (26.66, 33.33)


def test_refund_made_on_wechat_platform_reaches_redeemed_ticket(refund_env):
    registry, fake, _server = refund_env
    order_id, tx_id, reference = _paid_order(refund_env)
    with registry.cursor() as cr:
        env = _env(cr)
        oldest = env["sale.order"].browse(order_id).city_ticket_ids.sorted("id")[0]
        oldest._redeem_code(oldest.manual_code, merchant=oldest.merchant_id)
    # the merchant refunds the whole order on WeChat's merchant platform
    resource = fake.platform_refund(reference, 9999)
    notice_id = "refund-notice-platform-" + reference
    assert _refund_notice(refund_env, resource["out_refund_no"], notice_id) == 204
    assert _refund_notice(refund_env, resource["out_refund_no"], notice_id) == 204  # WeChat repeats it
    _post_process_refunds(registry, tx_id)
    _post_process_refunds(registry, tx_id)
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(order_id)
        refunds = env["payment.transaction"].search([("source_transaction_id", "=", tx_id)])
        assert len(refunds) == 1 and refunds.amount == -99.99 and refunds.state == "done"
        oldest, middle, newest = order.city_ticket_ids.sorted("id")
        assert (middle.state, newest.state) == ("refunded", "refunded")
        assert oldest.state == "redeemed", "a redeemed ticket stays redeemed: its delivery is reversed"
        escrow = _check_exact(env, order)
        assert (escrow.amount_released, escrow.amount_refunded, escrow.amount_residual) == (33.33, 66.66, 0.0)
        assert escrow.amount_reversed == 33.33
        reversal = escrow.allocation_ids.filtered(lambda a: a.movement == "reversal")
        assert to_fen(sum(reversal.filtered(lambda a: a.role != "refund").mapped("amount"))) == -3333
        assert to_fen(sum(reversal.filtered(lambda a: a.role == "refund").mapped("amount"))) == 3333
