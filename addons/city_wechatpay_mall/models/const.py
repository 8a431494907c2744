# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WeChat Pay smart business district (智慧商圈): events, paths, limits."""

PAYMENT_EVENT = "MALL_TRANSACTION.SUCCESS"  # 商圈会员场内支付结果通知
REFUND_EVENT = "MALL_REFUND.SUCCESS"  # 商圈会员场内退款通知
AUTH_EVENT = "MALL_AUTH.ACTIVATE_CARD"  # 商圈会员积分服务授权结果通知
EVENTS = (PAYMENT_EVENT, REFUND_EVENT, AUTH_EVENT)
AUTH_QUERY_PATH = "/v3/businesscircle/user-authorizations/{openid}"  # 商圈会员积分服务授权查询
# authorize_state of the query; the notice's auth_type values are not documented in the pages read:
# a notice is an authorisation unless its auth_type says it is withdrawn.
AUTH_STATES = {"AUTHORIZED": "authorized", "DEAUTHORIZED": "deauthorized", "UNAUTHORIZED": "unauthorized"}
DEAUTH_TYPES = ("DEAUTHORIZED", "DEAUTHORIZE", "CANCEL", "CANCELED", "CANCELLED", "UNAUTHORIZED")
POINTS_NOTIFY_PATH = "/v3/businesscircle/points/notify"  # 商圈会员积分同步
REFUND_WINDOW_DAYS = 30  # WeChat watches refunds of synced payments for 30 days
NOTIFY_MAX_ATTEMPTS = 12
NOTIFY_BATCH = 50
