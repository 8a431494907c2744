# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The smart business district on the fake WeChat Pay server (for tests only): its
payment and refund notices (signed, resource encrypted under the APIv3 key, as WeChat
sends them) and the points notify endpoint, which records what it was sent."""

import datetime
import json
import uuid

from odoo.addons.city_wechatpay_mall.models import const

SUMMARIES = {const.PAYMENT_EVENT: "商圈积分", const.REFUND_EVENT: "商圈退款", const.AUTH_EVENT: "商圈会员积分授权"}
ORIGINAL_TYPES = {
    const.PAYMENT_EVENT: "mall_transaction",
    const.REFUND_EVENT: "mall_refund",
    const.AUTH_EVENT: "mall_auth",
}


def install(fake):
    """Add ``POST /v3/businesscircle/points/notify`` to ``fake`` (a ``FakeWechatPay``), and
    the authorisation query of the openids given to :func:`set_authorization`."""
    fake.points_notify_calls = []  # the request bodies, in order
    fake.points_notify_status = 204  # e.g. 500: WeChat fails, the suite retries later
    fake.extra_routes[("POST", const.POINTS_NOTIFY_PATH)] = _points_notify
    fake.mall_authorizations = {}  # openid -> the query's answer
    fake.mall_authorization_queries = []  # the query strings, in order
    return fake


def set_authorization(fake, openid, state="AUTHORIZED", authorize_time=None, deauthorize_time=None):
    """What ``GET /v3/businesscircle/user-authorizations/{openid}`` answers for ``openid``."""
    answer = {"openid": openid, "authorize_state": state, "authorize_time": authorize_time or now_iso()}
    if deauthorize_time:
        answer["deauthorize_time"] = deauthorize_time
    fake.mall_authorizations[openid] = answer
    path = const.AUTH_QUERY_PATH.format(openid=openid)
    fake.extra_routes[("GET", path)] = lambda fake, query, _data: _authorization(fake, openid, query)


def _authorization(fake, openid, query):
    fake.mall_authorization_queries.append(query)
    if not query.get("appid"):
        return 400, {"code": "PARAM_ERROR", "message": "appid"}
    return 200, fake.mall_authorizations[openid]


def authorization(fake, openid, mchid=None, **overrides):
    """An authorisation notice's resource (商圈会员积分服务授权结果通知)."""
    data = {"mchid": mchid or fake.mchid, "openid": openid, "code": "MC" + uuid.uuid4().hex[:10], "auth_type": ""}
    data.update(overrides)
    return data


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


def notice(fake, event_type, resource, notice_id=None, create_time=None, **sign_kwargs):
    """``(headers, body)`` of a district notice as WeChat Pay sends it."""
    envelope = {
        "id": notice_id or str(uuid.uuid4()),
        "create_time": create_time or now_iso(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": SUMMARIES[event_type],
        "resource": fake.encrypt(resource, ORIGINAL_TYPES[event_type]),
    }
    body = json.dumps(envelope, ensure_ascii=False)
    return fake.signed_headers(body, **sign_kwargs), body
