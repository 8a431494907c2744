# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: Loyalty Points",
    "summary": "District-wide points wallet: ledger, earning rules, tiers, expiry, points mall, clearing (会员积分)",
    "version": "18.0.1.2.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["city_settlement", "loyalty", "stock"],
    "data": [
        "security/city_loyalty_security.xml",
        "security/ir.model.access.csv",
        "data/city_loyalty_data.xml",
        "views/city_points_ledger_views.xml",
        "views/city_points_wallet_views.xml",
        "views/city_points_rule_views.xml",
        "views/city_points_reward_views.xml",
        "views/city_points_report_views.xml",
        "views/res_partner_views.xml",
        "views/res_company_views.xml",
        "views/city_points_settings_views.xml",
        "views/city_loyalty_menus.xml",
    ],
    "demo": [
        "demo/city_loyalty_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "city_loyalty/static/tests/tours/**/*",
        ],
    },
}
