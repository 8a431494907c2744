# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

GATEWAY = "https://api.mch.weixin.qq.com"
# Set by an administrator (ir.config_parameter) to point every call at another gateway
# (the tests' fake WeChat Pay server on 127.0.0.1).
GATEWAY_PARAM = "city_wechatpay.gateway"
WEBHOOK_URL = "/payment/wechatpay/webhook"
TIMEOUT = 10  # seconds (connect, then read): wechatpayv3 has no default
SUPPORTED_CURRENCIES = ("CNY",)
DEFAULT_PAYMENT_METHOD_CODES = {"wechat_pay"}
# WeChat Pay's trade_state -> payment.transaction state
TRADE_STATE = {
    "SUCCESS": "done",
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "ACCEPT": "pending",
    "CLOSED": "cancel",
    "REVOKED": "cancel",
    "PAYERROR": "error",
}
REFUND_STATE = {
    "SUCCESS": "done",
    "PROCESSING": "pending",
    "CLOSED": "cancel",
    "ABNORMAL": "error",
}
PAYMENT_EVENTS = ("TRANSACTION.SUCCESS",)
REFUND_EVENTS = ("REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED")
# Seconds a prepaid order stays payable (time_expire); the cron closes it after.
PAY_EXPIRY = 2 * 3600
# Profit sharing (分账, service-provider mode)
PS_DEFAULT_CAP_PERCENT = 30.0  # WeChat's default 最大分账比例 of a sub-merchant
PS_MAX_REQUESTS = 50  # profit-sharing requests WeChat accepts per transaction
PS_DELAY = 60  # seconds after payment before WeChat accepts a profit-sharing request
PS_FREEZE_DAYS = 30  # WeChat unfreezes unshared funds by itself after 30 days (180 for e-commerce platforms)
PS_DEADLINE_MARGIN_DAYS = 2  # the deadline cron shares this many days before WeChat's unfreeze
PS_EVENTS = ("PROFITSHARING.SUCCESS", "PROFITSHARING.CLOSED")
PS_ORDER_STATE = {"PROCESSING": "pending", "FINISHED": "done"}
