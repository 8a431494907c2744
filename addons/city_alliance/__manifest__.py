# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: Alliances and Marketing",
    "summary": "Merchant alliances, cross-shop coupons, recommendations, segments and campaigns (异业联盟与营销)",
    "version": "18.0.1.0.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["city_ticketing", "city_loyalty", "city_settlement", "sale_loyalty"],
    "data": [
        "security/ir.model.access.csv",
        "security/city_alliance_security.xml",
        "security/city_growth_security.xml",
        "data/city_alliance_cron.xml",
        "data/city_growth_data.xml",
        "views/city_alliance_views.xml",
        "views/city_segment_views.xml",
        "views/city_recommendation_link_views.xml",
        "views/city_campaign_views.xml",
        "wizard/city_growth_settings_views.xml",
        "views/city_alliance_menus.xml",
        "views/city_growth_menus.xml",
    ],
    "demo": [
        "demo/city_alliance_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "city_alliance/static/tests/tours/**/*",
        ],
    },
}
