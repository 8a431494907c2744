# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The smart business district on the fake WeChat Pay server (for tests only): its
payment and refund notices (signed, resource encrypted under the APIv3 key, as WeChat
sends them) and the points notify endpoint, which records what it was sent."""

import datetime
import json
import uuid

from odoo.addons.city_wechatpay_mall.models import const


def install(fake):
    """Add ``POST /v3/businesscircle/points/notify`` to ``fake`` (a ``FakeWechatPay``)."""
    fake.points_notify_calls = []  # the request bodies, in order
    fake.points_notify_status = 204  # e.g. 500: WeChat fails, the suite retries later
    fake.extra_routes[("POST", const.POINTS_NOTIFY_PATH)] = _points_notify
    return fake


def _points_notify(fake, _query, data):
    fake.points_notify_calls.append(data)
    if fake.points_notify_status >= 300:
        return fake.points_notify_status, {"code": "SYSTEM_ERROR", "message": "系统错误"}
    return 204, None


def now_iso():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def payment(fake, openid, amount, mchid, shop_number=None, **overrides):
    """A district payment's resource (what the notice's ciphertext holds)."""
    data = {
        "mchid": mchid,
        "merchant_name": "测试商户",
        "shop_name": "测试门店",
        "shop_number": shop_number or "",
        "appid": fake.appid,
        "openid": openid,
        "time_end": now_iso(),
        "amount": amount,
        "transaction_id": "42000" + uuid.uuid4().hex[:23].upper(),
        "commit_tag": "",
    }
    data.update(overrides)
    return data


def refund(paid, refund_amount, **overrides):
    """The refund resource of a district payment ``paid`` (its resource)."""
    data = {
        "mchid": paid["mchid"],
        "merchant_name": paid["merchant_name"],
        "shop_name": paid["shop_name"],
        "shop_number": paid["shop_number"],
        "appid": paid["appid"],
        "openid": paid["openid"],
        "refund_time": now_iso(),
        "pay_amount": paid["amount"],
        "refund_amount": refund_amount,
        "transaction_id": paid["transaction_id"],
        "refund_id": "50300" + uuid.uuid4().hex[:24],
    }
    data.update(overrides)
    return data


def notice(fake, event_type, resource, notice_id=None, **sign_kwargs):
    """``(headers, body)`` of a district notice as WeChat Pay sends it."""
    envelope = {
        "id": notice_id or str(uuid.uuid4()),
        "create_time": now_iso(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "商圈积分" if event_type == const.PAYMENT_EVENT else "商圈退款",
        "resource": fake.encrypt(resource, "mall_transaction"),
    }
    body = json.dumps(envelope, ensure_ascii=False)
    return fake.signed_headers(body, **sign_kwargs), body
