# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import types

from wechatpayv3.type import RequestType

from odoo import models

from . import const

POINTS_KEYS = (
    "transaction_id",
    "openid",
    "earn_points",
    "increased_points",
    "points_update_time",
    "no_points_remarks",
    "total_points",
    "appid",
    "sub_mchid",
)


def _mall_points_notify(client, **params):
    """商圈会员积分同步 through ``wechatpayv3``: its ``points_notify`` when points were
    earned; when none were, the same request built here, since the package refuses a
    false ``earn_points`` and a zero ``increased_points`` that WeChat expects then."""
    params = {key: params.get(key) for key in POINTS_KEYS}
    if params["earn_points"]:
        return client.points_notify(**params)
    data = {
        "appid": params["appid"] or client._appid,
        "transaction_id": params["transaction_id"],
        "openid": params["openid"],
        "earn_points": False,
        "increased_points": 0,
        "points_update_time": params["points_update_time"],
        "no_points_remarks": params["no_points_remarks"],
    }
    if params["total_points"] is not None:
        data["total_points"] = params["total_points"]
    if client._partner_mode and params["sub_mchid"]:
        data["sub_mchid"] = params["sub_mchid"]
    return client._core.request(const.POINTS_NOTIFY_PATH, method=RequestType.POST, data=data)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _wechatpay_client(self):
        """Override of `city_wechatpay`: the client also knows ``mall_points_notify``
        (called through ``_wechatpay_call``: timeout, verified answer, safe errors);
        ``user_authorization`` (商圈会员积分服务授权查询) is ``wechatpayv3``'s own."""
        client = super()._wechatpay_client()
        client.mall_points_notify = types.MethodType(_mall_points_notify, client)
        return client
