# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The ¥199 three-shop combo, paid through WeChat Pay, in both account models.

A member buys 三店联票 (hotpot 5 : KTV 3 : craft beer 2; rule: platform 10 %,
channel fee 0.6 %), pays, and redeems the three tickets, one at each shop.

- **Service-provider mode** (服务商): one combined payment (合单支付) with a sub-order per
  shop into its sub-merchant account, frozen for profit sharing; each redemption is
  released from escrow; the profit-sharing cron shares the operator's part of each
  sub-order and unfreezes the rest to the shop (``unfreeze_unsplit``).
- **Direct mode** (直连): one payment to the operator; the settlement run pays each
  shop by bank transfer.

The channel fee (0.6 %) is WeChat Pay's in both modes. In service-provider mode WeChat
takes it from each sub-order's frozen funds before sharing (the fake server does too):
the operator is shared its commission only (19.90), and each share entry books the fee
out of ``CITY.WXHELD`` onto ``CITY.CHFEE`` (which nets to zero).

Hand-computed figures (the same in both modes):

==========  =======  ===========  ========  ========
shop        escrow   channel fee  platform  merchant
==========  =======  ===========  ========  ========
hotpot       99.50      0.60        9.95      88.95
KTV          59.70      0.36        5.97      53.37
craft beer   39.80      0.24        3.98      35.58
total       199.00      1.20       19.90     177.90
==========  =======  ===========  ========  ========

Beer: 3980 fen × 0.6 % = 23.88, platform 398, merchant 3558.12; floors 23 + 398 +
3558 = 3979, the fen left goes to the largest remainder (0.88, the channel fee).
The balance of every account of the scenario is written out below (``PARTNER`` and
``DIRECT``, debit positive); ``CITY_PRINT_FIGURES=1`` prints both tables.

Data is committed (the notices are applied in transactions of their own, as on the
server); everything is created under a unique suffix, and the notices are handed to
the webhook's model method in process (no HTTP server: the route is tested by
city_wechatpay).
"""

import os
import uuid

import pytest

import odoo
from odoo import Command

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_wechatpay.tests import fake_wechatpay_combine as combine
from odoo.addons.city_wechatpay.tests.common import wechat_tx_vals
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay

from conftest import fake_gateway

SHOPS = (
    ("hotpot", "蜀香火锅", 5, "1900000911"),
    ("ktv", "星光KTV", 3, "1900000912"),
    ("beer", "麦田精酿", 2, "1900000913"),
)
ESCROW = {"hotpot": 9950, "ktv": 5970, "beer": 3980}
MERCHANT = {"hotpot": 8895, "ktv": 5337, "beer": 3558}
PLATFORM = {"hotpot": 995, "ktv": 597, "beer": 398}
CHANNEL = {"hotpot": 60, "ktv": 36, "beer": 24}

# Balance of every account the scenario touches once it is over, debit positive, in yuan.
# Rows: (account code, partner key or None for the account's total).
PARTNER = {
    ("100200", None): 19.90,  # the operator's own WeChat Pay account: its commission, shared to it
    ("112200", "member"): 0.00,  # the member's receivable: paid, taken into escrow
    ("CITY.CHFEE", None): 0.00,  # the split's 1.20, taken by WeChat Pay from the held funds before sharing
    ("CITY.ESCROW", None): 0.00,  # in 199.00, released 199.00
    ("CITY.FEE", None): -19.90,  # the operator's commission (income)
    ("CITY.MPAY", "beer"): 0.00,  # 35.58 released, unfrozen to the shop by WeChat Pay
    ("CITY.MPAY", "hotpot"): 0.00,  # 88.95
    ("CITY.MPAY", "ktv"): 0.00,  # 53.37
    ("CITY.WXHELD", None): 0.00,  # held at WeChat: in 199.00; fee 1.20, shared 19.90, unfrozen 177.90
}
DIRECT = {
    ("100201", None): 199.00,  # outstanding receipts: the member's payment to the operator's account
    ("100202", None): -177.90,  # outstanding payments: the three bank transfers to the shops
    ("112200", "member"): 0.00,  # the member's receivable: paid, taken into escrow
    ("CITY.CHFEE", None): -1.20,  # the channel's fee (WeChat's 0.6 %), credited as the channel's share
    ("CITY.ESCROW", None): 0.00,  # in 199.00, released 199.00
    ("CITY.FEE", None): -19.90,  # the operator's commission (income)
    ("CITY.MPAY", "beer"): 0.00,  # 35.58 released, paid by bank transfer
    ("CITY.MPAY", "hotpot"): 0.00,  # 88.95
    ("CITY.MPAY", "ktv"): 0.00,  # 53.37
}


def _env(cr):
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})


@pytest.fixture(scope="module")
def combo_env():
    registry = odoo.modules.registry.Registry(os.environ.get("CITY_TEST_DB") or odoo.tools.config["db_name"])
    fake = combine.install(FakeWechatPay().start())
    fake.fee_ratio = 60  # WeChat Pay's 0.6 %, as the rule's channel fee: taken before sharing
    # each test sets the mode and combined payment; restored after the module
    with fake_gateway(registry, fake, "partner", wechatpay_combine=False, wechatpay_receiver_name=False):
        yield registry, fake


def _setup(env, fake, mode, qty=1):
    """Three shops (sub-merchants in partner mode), the combo (``qty`` of it ordered), a
    member; the provider in ``mode``."""
    suffix = uuid.uuid4().hex[:6]
    journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1)
    provider = env.ref("city_wechatpay.payment_provider_wechatpay")
    provider.write(
        {
            **fake.provider_vals(mode),
            "state": "test",
            "journal_id": journal.id,
            "wechatpay_combine": True,
            "wechatpay_receiver_name": "城市生活运营有限公司",
        }
    )
    env.ref("payment.payment_method_wechat_pay").active = True
    category = env.ref("city_base.merchant_category_tea")
    shops = {}
    for key, name, _weight, sub_mchid in SHOPS:
        shops[key] = env["res.partner"].create(
            {
                "name": f"{name} {suffix}",
                "is_merchant": True,
                "is_company": True,
                "merchant_category_id": category.id,
                "tz": "Asia/Shanghai",
                "city_settlement_cycle": "realtime",
                "wechatpay_sub_mchid": sub_mchid if mode == "partner" else False,
                "wechatpay_legal_name": f"{name}有限公司",
            }
        )
    template = env["product.template"].create(
        {
            "name": f"三店联票 ¥199 {suffix}",
            "type": "service",
            "list_price": 199.0,
            "taxes_id": False,
            "invoice_policy": "order",
            "city_ticket_type": "voucher",
            "city_valid_days": 20,
            "city_is_combo": True,
            "city_component_ids": [
                Command.create({"name": name, "merchant_id": shops[key].id, "weight": weight, "component_key": key})
                for key, name, weight, _sub in SHOPS
            ],
        }
    )
    rule = env["city.split.rule"]._find_rule(False, product=template.product_variant_id, modes=("combo",))
    rule.write({"merchant_percent": 90.0, "channel_fee_percent": 0.6})
    member = env["res.partner"].create({"name": f"联票会员 {suffix}", "is_member": True})
    order = env["sale.order"].create(
        {
            "partner_id": member.id,
            "order_line": [
                Command.create({"product_id": template.product_variant_id.id, "product_uom_qty": qty, "tax_id": False})
            ],
        }
    )
    order.action_confirm()
    # Lines other records left unposted (the demo's history, earlier tests) are posted first:
    # the scenario's later batches would otherwise post them among its own.
    env["city.settlement.allocation"]._post_batch(company=env.company)
    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move_line")
    return {
        "order": order.id,
        "member": member.id,
        "shops": {k: s.id for k, s in shops.items()},
        "watermark": env.cr.fetchone()[0],
    }


def _notice(registry, fake, resource):
    headers, body = fake.notice("TRANSACTION.SUCCESS", resource)
    with registry.cursor() as cr:
        _env(cr)["city.wechatpay.notice"]._receive(headers, body)


def _redeem_all(registry, data):
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(data["order"])
        tickets = order.city_ticket_ids
        assert sorted(tickets.mapped("merchant_id").ids) == sorted(data["shops"].values())
        for ticket in tickets:  # each at its own shop
            ticket._redeem_code(ticket.manual_code, merchant=ticket.merchant_id)
        tickets.redemption_ids._release_escrow()
        env["city.settlement.allocation"]._post_batch(company=order.company_id)


def _check_allocations(env, data):
    order = env["sale.order"].browse(data["order"])
    shops = {v: k for k, v in data["shops"].items()}
    got = {}
    for line in env["city.settlement.allocation"].search([("order_id", "=", order.id)]):
        key = (shops[line.merchant_id.id], line.role)
        got[key] = got.get(key, 0) + to_fen(line.amount)
    expected = {}
    for key in ESCROW:
        expected.update(
            {(key, "merchant"): MERCHANT[key], (key, "platform_fee"): PLATFORM[key], (key, "channel_fee"): CHANNEL[key]}
        )
    assert got == expected
    assert {e.state for e in order.city_escrow_ids} == {"done"}


def _balances(env, data):
    """{(account code, shop or member key or None): balance} of the scenario's posted
    journal items, debit positive; per partner on the merchants' and members' accounts."""
    member = env["res.partner"].browse(data["member"])
    keys = {member.commercial_partner_id.id: "member", **{v: k for k, v in data["shops"].items()}}
    lines = env["account.move.line"].search(
        [("id", ">", data["watermark"]), ("parent_state", "=", "posted"), ("company_id", "=", env.company.id)]
    )
    result = {}
    for line in lines:
        per_partner = line.account_id.code == "CITY.MPAY" or line.account_id.account_type in (
            "asset_receivable",
            "liability_payable",
        )
        key = (line.account_id.code, keys.get(line.partner_id.id, "other") if per_partner else None)
        result[key] = round(result.get(key, 0.0) + line.debit - line.credit, 2)
    assert round(sum(result.values()), 2) == 0.0, "the scenario's entries balance"
    return dict(sorted(result.items(), key=lambda item: (item[0][0], item[0][1] or "")))


def _print(title, balances):
    if os.environ.get("CITY_PRINT_FIGURES"):
        print(f"\n{title}")
        for (label, partner), value in balances.items():
            print(f"  {label:<14} {partner or '':<8} {value:>10.2f}")


def test_199_combo_direct_mode(combo_env):
    registry, fake = combo_env
    with registry.cursor() as cr:
        env = _env(cr)
        data = _setup(env, fake, "direct")
        order = env["sale.order"].browse(data["order"])
        tx = env["payment.transaction"].create(wechat_tx_vals(env, order, "o-combo-direct"))
        tx._get_processing_values()
        data["tx"], reference = tx.id, tx.reference
    _notice(registry, fake, fake.pay(reference))
    with registry.cursor() as cr:
        env = _env(cr)
        env["payment.transaction"].browse(data["tx"])._post_process()
    _redeem_all(registry, data)
    with registry.cursor() as cr:
        env = _env(cr)
        _check_allocations(env, data)
        shops = env["res.partner"].browse(list(data["shops"].values()))
        settlements = env["city.settlement"]._run_settlements(merchants=shops)
        assert sorted(to_fen(s.closing_balance) for s in settlements) == sorted(MERCHANT.values())
        settlements.action_confirm()
        settlements.action_pay()
        balances = _balances(env, data)
        _print("¥199 combo, direct mode (operator's books, debit positive)", balances)
        assert balances == DIRECT


def _pay_combined(registry, fake, data, qty=1):
    """Partner mode: the order paid as one combined payment, a sub-order per shop (each
    ``qty`` times the shop's part), post-processed; the parts in ``data["parts"]``."""
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(data["order"])
        provider = env.ref("city_wechatpay.payment_provider_wechatpay")
        parts = env["payment.transaction"]._wechatpay_create_parts(order, "o-combo-partner", provider)
        parts[0]._get_processing_values()
        data["parts"], ref = parts.ids, parts[0].wechatpay_combine_ref
    sent = fake.combines[ref]["sub_orders"]
    assert [(s["sub_mchid"], s["amount"]["total_amount"], s["settle_info"]) for s in sent] == [
        (sub, qty * ESCROW[key], {"profit_sharing": True}) for key, _n, _w, sub in SHOPS
    ]
    _notice(registry, fake, combine.pay_combine(fake, ref))
    with registry.cursor() as cr:
        env = _env(cr)
        parts = env["payment.transaction"].browse(data["parts"])
        assert set(parts.mapped("state")) == {"done"}
        parts._post_process()
        # WeChat accepts shares a minute after payment
        parts.write({"last_state_change": odoo.fields.Datetime.subtract(odoo.fields.Datetime.now(), minutes=2)})


def test_199_combo_partner_mode(combo_env):
    registry, fake = combo_env
    with registry.cursor() as cr:
        data = _setup(_env(cr), fake, "partner")
    _pay_combined(registry, fake, data)
    _redeem_all(registry, data)
    with registry.cursor() as cr:
        env = _env(cr)
        _check_allocations(env, data)
        env["payment.transaction"]._cron_wechatpay_profit_sharing()
        env["city.settlement.allocation"]._post_batch(company=env.company)
        parts = env["payment.transaction"].browse(data["parts"])
        shares = env["city.settlement.payout"].search([("transaction_id", "in", parts.ids)])
        by_shop = {v: k for k, v in data["shops"].items()}
        assert {
            by_shop[p.merchant_id.id]: (to_fen(p.amount), to_fen(p.wechatpay_amount_released), p.state) for p in shares
        } == {key: (PLATFORM[key], MERCHANT[key], "done") for key in ESCROW}
        assert {by_shop[p.merchant_id.id]: to_fen(p.wechatpay_amount_fee) for p in shares} == CHANNEL
        for tx in parts:  # each sub-order unfrozen: the shop's part in its balance, nothing left frozen
            state = fake.orders[tx.reference]["ps"]
            assert (state["frozen"], state["closed"], state["fee"]) == (
                0,
                True,
                CHANNEL[by_shop[tx.wechatpay_merchant_id.id]],
            )
        assert sorted(fake.orders[tx.reference]["ps"]["balance"] for tx in parts) == sorted(MERCHANT.values())
        # the shops' statements show what WeChat Pay released, paid by profit sharing
        shops = env["res.partner"].browse(list(data["shops"].values()))
        settlements = env["city.settlement"]._run_settlements(merchants=shops)
        assert set(settlements.mapped("payout_channel")) == {"wechatpay"}
        assert sorted(to_fen(s.closing_balance) for s in settlements) == sorted(MERCHANT.values())
        settlements.action_confirm()
        settlements.action_pay()
        assert set(settlements.mapped("state")) == {"paid"}
        balances = _balances(env, data)
        _print("¥199 combo, service-provider mode (operator's books, debit positive)", balances)
        assert balances == PARTNER


# Two ¥199 combos in partner mode (sub-orders: hotpot 199.00, KTV 119.40, beer 79.60; WeChat's
# 0.6 % fee per sub-order: 1.19, 0.72, 0.48). One hotpot and one KTV ticket are redeemed and
# shared (commission 9.95 and 5.97). Odoo's refund button on the KTV sub-order's payment refunds
# all of it, 119.40: the unredeemed KTV ticket is refunded (59.70), the redeemed one's delivery
# reversed (59.70), the operator's KTV commission returned (回退) before the refund is sent;
# WeChat gives its fee back. A refund of 39.80 made on WeChat's merchant platform on the beer
# sub-order refunds the newest beer ticket. Hotpot is untouched. Then the rest is redeemed
# and shared. Balances as in ``PARTNER`` (debit positive, yuan).
REFUNDED = {  # once both refunds are booked
    ("100200", None): 9.95,  # the operator's WeChat account: hotpot's 9.95; KTV's 5.97 shared, returned
    ("112200", "member"): 159.20,  # the refunds paid to the member (119.40 + 39.80), against CITY.REFUND
    ("CITY.CHFEE", None): 0.00,  # hotpot 0.60 on delivery and taken; KTV 0.36 taken, given back on the refund
    ("CITY.ESCROW", None): -139.30,  # still held: a hotpot ticket 99.50 and a beer ticket 39.80
    ("CITY.FEE", None): -9.95,  # the hotpot commission; KTV's reversed
    ("CITY.MPAY", "hotpot"): -88.95,  # delivered, not yet released (the sub-order is still frozen)
    ("CITY.MPAY", "ktv"): 0.00,  # 53.37 delivered, reversed
    ("CITY.REFUND", None): -159.20,  # refunds due to the member: KTV 59.70 + 59.70, beer 39.80
    ("CITY.WXHELD", None): 228.25,  # hotpot 199.00 − 9.95 − 0.60 = 188.45; KTV 0.00; beer 79.60 − 39.80 = 39.80
}
REFUND_END = {  # the remaining hotpot and beer tickets redeemed and shared too
    ("100200", None): 23.88,  # the commissions of the services delivered and kept: 9.95 × 2 + 3.98
    ("112200", "member"): 159.20,
    ("CITY.CHFEE", None): 0.00,
    ("CITY.ESCROW", None): 0.00,
    ("CITY.FEE", None): -23.88,
    ("CITY.MPAY", "beer"): 0.00,  # 35.58 unfrozen to the shop
    ("CITY.MPAY", "hotpot"): 0.00,  # 177.90
    ("CITY.MPAY", "ktv"): 0.00,
    ("CITY.REFUND", None): -159.20,
    ("CITY.WXHELD", None): 0.00,  # nets to zero once every sub-order is shared and unfrozen
}


def _refund_notice(registry, fake, out_refund_no):
    headers, body = fake.notice("REFUND.SUCCESS", fake.refund_resource(out_refund_no))
    with registry.cursor() as cr:
        _env(cr)["city.wechatpay.notice"]._receive(headers, body)


def _by_shop(data, records, field="merchant_id"):
    shops = {v: k for k, v in data["shops"].items()}
    result = {}
    for record in records.sorted("id"):
        result.setdefault(shops[record[field].id], record.browse())
        result[shops[record[field].id]] |= record
    return result


def test_199_combo_refund_of_one_shop_part(combo_env):
    registry, fake = combo_env
    with registry.cursor() as cr:
        data = _setup(_env(cr), fake, "partner", qty=2)
    _pay_combined(registry, fake, data, qty=2)
    with registry.cursor() as cr:
        env = _env(cr)
        order = env["sale.order"].browse(data["order"])
        tickets = _by_shop(data, order.city_ticket_ids)
        for key in ("hotpot", "ktv"):
            ticket = tickets[key][0]
            ticket._redeem_code(ticket.manual_code, merchant=ticket.merchant_id)
        order.city_ticket_ids.redemption_ids._release_escrow()
        env["city.settlement.allocation"]._post_batch(company=order.company_id)
        env["payment.transaction"]._cron_wechatpay_profit_sharing()
        parts = _by_shop(data, env["payment.transaction"].browse(data["parts"]), "wechatpay_merchant_id")
        shares = _by_shop(data, env["city.settlement.payout"].search([("transaction_id", "in", data["parts"])]))
        assert {k: (to_fen(p.amount), p.state) for k, p in shares.items()} == {
            "hotpot": (PLATFORM["hotpot"], "done"),
            "ktv": (PLATFORM["ktv"], "done"),
        }
        # Odoo's refund button on the KTV sub-order's payment, for all of it
        ktv = parts["ktv"]
        wizard = (
            env["payment.refund.wizard"]
            .with_context(active_model="account.payment", active_id=ktv.payment_id.id)
            .create({"payment_id": ktv.payment_id.id, "amount_to_refund": 119.40})
        )
        fake.requests.clear()
        wizard.action_refund()
        posts = [path for method, path, _body in fake.requests if method == "POST"]
        assert posts == ["/v3/profitsharing/return-orders", "/v3/refund/domestic/refunds"], "回退 first"
        refund = env["payment.transaction"].search([("source_transaction_id", "=", ktv.id)])
        assert (refund.amount, refund.state, refund.wechatpay_book_escrow) == (-119.4, "pending", False)
        assert fake.refunds[refund.wechatpay_out_refund_no]["sub_mchid"] == SHOPS[1][3]
        returned = ktv.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "return")
        assert (to_fen(returned.amount), returned.state) == (PLATFORM["ktv"], "done")
        data["refund"] = refund.wechatpay_out_refund_no
        data["beer"] = parts["beer"].reference
    _refund_notice(registry, fake, data["refund"])
    # a refund of the beer sub-order made on WeChat's merchant platform: one ticket's worth
    resource = fake.platform_refund(data["beer"], ESCROW["beer"])
    _refund_notice(registry, fake, resource["out_refund_no"])
    with registry.cursor() as cr:
        env = _env(cr)
        refunds = env["payment.transaction"].search([("source_transaction_id", "in", data["parts"])])
        assert refunds.mapped("state") == ["done", "done"]
        refunds._post_process()
        env["payment.transaction"]._cron_wechatpay_profit_sharing()
        env["city.settlement.allocation"]._post_batch(company=env.company)
        order = env["sale.order"].browse(data["order"])
        tickets = _by_shop(data, order.city_ticket_ids)
        assert {k: t.mapped("state") for k, t in tickets.items()} == {
            "hotpot": ["redeemed", "issued"],
            "ktv": ["redeemed", "refunded"],
            "beer": ["issued", "refunded"],
        }
        escrows = _by_shop(data, order.city_escrow_ids)
        fields = ("amount_paid", "amount_released", "amount_refunded", "amount_reversed", "amount_residual")
        assert {k: tuple(to_fen(e[f]) for f in fields) for k, e in escrows.items()} == {
            "hotpot": (19900, 9950, 0, 0, 9950),
            "ktv": (11940, 5970, 5970, 5970, 0),
            "beer": (7960, 0, 3980, 0, 3980),
        }
        parts = _by_shop(data, env["payment.transaction"].browse(data["parts"]), "wechatpay_merchant_id")
        ktv = parts["ktv"]
        payouts = ktv.wechatpay_ps_payout_ids.sorted("id")
        assert [(p.wechatpay_kind, to_fen(p.amount), to_fen(p.wechatpay_amount_fee)) for p in payouts] == [
            ("share", 597, 36),  # on the delivery
            ("return", 597, 0),  # 回退 before the refund
            ("clawback", 0, -36),  # the merchant's balance paid nothing; WeChat gave the fee back
            ("share", 0, 0),  # closed with nothing left: no unfreeze request (WeChat needs a positive remainder)
        ]
        assert (payouts[-1].wechatpay_unfreeze, payouts[-1].state, payouts[-1].wechatpay_order_id) == (
            True,
            "done",
            False,
        )
        assert ktv.wechatpay_ps_requests == 1
        assert ktv.wechatpay_ps_state == "closed"
        # at WeChat: the KTV sub-account empty (its fee given back), the others as they were
        accounts = {k: fake._ps_account(fake.orders[tx.reference]) for k, tx in parts.items()}
        assert {k: (a["frozen"], a["balance"], a["shared"]) for k, a in accounts.items()} == {
            "hotpot": (19900 - 119 - 995, 0, 995),
            "ktv": (0, 0, 597),
            "beer": (7960 - 48 + 24 - 3980, 0, 0),
        }
        balances = _balances(env, data)
        _print("¥199 combo ×2, the KTV part refunded (operator's books, debit positive)", balances)
        assert balances == REFUNDED
        tickets = order.city_ticket_ids.filtered(lambda t: t.state == "issued")
        for ticket in tickets:
            ticket._redeem_code(ticket.manual_code, merchant=ticket.merchant_id)
        tickets.redemption_ids._release_escrow()
        env["city.settlement.allocation"]._post_batch(company=order.company_id)
        env["payment.transaction"]._cron_wechatpay_profit_sharing()
        assert set(parts["hotpot"].mapped("wechatpay_ps_state") + parts["beer"].mapped("wechatpay_ps_state")) == {
            "closed"
        }
        assert {k: fake.orders[tx.reference]["ps"]["frozen"] for k, tx in parts.items()} == dict.fromkeys(parts, 0)
        balances = _balances(env, data)
        _print("... and the rest redeemed and shared", balances)
        assert balances == REFUND_END
