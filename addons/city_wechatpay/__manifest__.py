# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: WeChat Pay",
    "summary": "WeChat Pay v3 as a payment provider: JSAPI prepay, signed notices, refunds, bills (微信支付)",
    "version": "18.0.1.0.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["payment", "account_payment", "city_settlement"],
    "external_dependencies": {"python": ["wechatpayv3", "cryptography"]},
    "data": [
        "security/city_wechatpay_security.xml",
        "security/ir.model.access.csv",
        "data/payment_provider_data.xml",
        "data/ir_cron_data.xml",
        "views/payment_provider_views.xml",
        "views/city_wechatpay_notice_views.xml",
        "views/city_wechatpay_bill_download_views.xml",
        "views/city_wechatpay_clawback_views.xml",
        "views/city_reconciliation_views.xml",
        "wizard/city_wechatpay_bill_download_wizard_views.xml",
        "views/city_wechatpay_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "city_wechatpay/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
}
