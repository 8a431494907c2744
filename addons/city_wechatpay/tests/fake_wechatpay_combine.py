# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Combined payment (合单支付) for the fake WeChat Pay server (tests only).

Plugged into a :class:`FakeWechatPay` with :func:`install`: prepay
(``POST /v3/combine-transactions/jsapi``), query and close
(``/v3/combine-transactions/out-trade-no/{combine_out_trade_no}[/close]``). Each
sub-order is also kept in ``fake.orders`` under its own ``out_trade_no``, as a
partner-mode order of its sub-merchant, so that refunds (``/v3/refund/domestic/refunds``
with the sub-order's ``out_trade_no`` and ``sub_mchid``) and profit sharing work on it
as on any payment. :func:`pay_combine` gives the notice resource of a paid combined
order::

    install(fake)
    headers, body = fake.notice("TRANSACTION.SUCCESS", pay_combine(fake, "S00042-1"))
"""

import datetime
import re
import uuid

PREPAY = "/v3/combine-transactions/jsapi"
ORDER = re.compile(r"/v3/combine-transactions/out-trade-no/([^/]+)(/close)?")


def install(fake):
    """Teach ``fake`` the combined-payment endpoints (once)."""
    if _route not in fake.routes:
        fake.combines = {}
        fake.routes.append(_route)
    return fake


def _route(fake, method, path, query, data):
    if method == "POST" and path == PREPAY:
        return _prepay(fake, data)
    match = ORDER.fullmatch(path)
    if not match:
        return None
    combine = fake.combines[match.group(1)]
    if match.group(2):
        return _close(fake, combine, data)
    return 200, _resource(fake, combine)


def _prepay(fake, data):
    if data.get("combine_mchid") != fake.mchid or data.get("combine_appid") != fake.appid:
        return 400, {"code": "PARAM_ERROR", "message": "combine_mchid"}
    sub_orders = data.get("sub_orders") or []
    if not 2 <= len(sub_orders) <= 50:  # WeChat: 2 to 50 sub-orders
        return 400, {"code": "PARAM_ERROR", "message": "sub_orders"}
    for sub in sub_orders:
        if sub.get("mchid") != fake.mchid or not sub.get("sub_mchid") or sub["amount"]["total_amount"] <= 0:
            return 400, {"code": "PARAM_ERROR", "message": "sub_orders.mchid"}
    combine = fake.combines.get(data["combine_out_trade_no"])
    if combine:
        if [s["amount"] for s in combine["sub_orders"]] != [s["amount"] for s in sub_orders]:
            return 400, {"code": "INVALID_REQUEST", "message": "订单号重复"}
        return 200, {"prepay_id": combine["prepay_id"]}
    combine = dict(data, prepay_id="wx" + uuid.uuid4().hex[:30])
    fake.combines[data["combine_out_trade_no"]] = combine
    for sub in sub_orders:
        fake.orders[sub["out_trade_no"]] = {
            "out_trade_no": sub["out_trade_no"],
            "sp_mchid": fake.mchid,
            "sp_appid": fake.appid,
            "sub_mchid": sub["sub_mchid"],
            "amount": {"total": sub["amount"]["total_amount"], "currency": sub["amount"].get("currency", "CNY")},
            "settle_info": sub.get("settle_info") or {},
            "payer": {"sp_openid": data["combine_payer_info"]["openid"]},
            "trade_state": "NOTPAY",
            "combine_out_trade_no": data["combine_out_trade_no"],
        }
    return 200, {"prepay_id": combine["prepay_id"]}


def _close(fake, combine, data):
    subs = [fake.orders[s["out_trade_no"]] for s in combine["sub_orders"]]
    if any(s["trade_state"] == "SUCCESS" for s in subs):
        return 400, {"code": "ORDERPAID", "message": "订单已支付"}
    if sorted(s["out_trade_no"] for s in data.get("sub_orders") or []) != sorted(s["out_trade_no"] for s in subs):
        return 400, {"code": "PARAM_ERROR", "message": "sub_orders"}
    for sub in subs:
        sub["trade_state"] = "CLOSED"
    return 204, None


def _resource(fake, combine):
    """The combined order as WeChat describes it (query answer and notice resource)."""
    sub_orders = []
    for sub in combine["sub_orders"]:
        order = fake.orders[sub["out_trade_no"]]
        item = {
            "mchid": fake.mchid,
            "sub_mchid": order["sub_mchid"],
            "out_trade_no": order["out_trade_no"],
            "trade_state": order["trade_state"],
            "trade_type": "JSAPI",
            "attach": sub.get("attach", ""),
            "amount": {
                "total_amount": order["amount"]["total"],
                "payer_amount": order["amount"]["total"],
                "currency": order["amount"]["currency"],
                "payer_currency": "CNY",
            },
        }
        if order["trade_state"] == "SUCCESS":
            item.update(transaction_id=order["transaction_id"], success_time=order["success_time"], bank_type="OTHERS")
        sub_orders.append(item)
    return {
        "combine_appid": combine["combine_appid"],
        "combine_mchid": combine["combine_mchid"],
        "combine_out_trade_no": combine["combine_out_trade_no"],
        "sub_orders": sub_orders,
        "combine_payer_info": {"openid": combine["combine_payer_info"]["openid"]},
    }


def pay_combine(fake, combine_out_trade_no, **overrides):
    """The member pays the combined order (every sub-order at once): its notice resource."""
    with fake.lock:
        combine = fake.combines[combine_out_trade_no]
        now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        for sub in combine["sub_orders"]:
            order = fake.orders[sub["out_trade_no"]]
            order["trade_state"] = "SUCCESS"
            order.setdefault("transaction_id", "42000" + uuid.uuid4().hex[:23].upper())
            order["success_time"] = now
        resource = _resource(fake, combine)
    resource.update(overrides)
    return resource
