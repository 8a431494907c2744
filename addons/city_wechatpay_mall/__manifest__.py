# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: WeChat Pay Smart Business District",
    "summary": "District points for members' WeChat payments at participating shops' own tills (微信支付智慧商圈)",
    "version": "18.0.1.0.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["city_wechatpay", "city_loyalty"],
    "data": [
        "security/city_wechatpay_mall_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/city_wechatpay_mall_payment_views.xml",
        "views/city_wechatpay_mall_authorization_views.xml",
        "views/res_partner_views.xml",
        "views/city_wechatpay_mall_menus.xml",
    ],
}
