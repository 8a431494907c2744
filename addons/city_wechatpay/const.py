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
