# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: Base",
    "summary": "Merchants, business districts, merchant users and shared helpers of the City Life Suite (同城生活服务)",
    "version": "18.0.1.1.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["contacts", "mail", "product"],
    "data": [
        "security/city_base_groups.xml",
        "security/city_base_security.xml",
        "security/ir.model.access.csv",
        "data/city_base_data.xml",
        "views/city_district_views.xml",
        "views/city_merchant_category_views.xml",
        "views/res_partner_views.xml",
        "views/res_users_views.xml",
        "views/city_hash_chain_views.xml",
        "views/city_member_event_views.xml",
        "views/city_base_menus.xml",
    ],
    "demo": [
        "demo/city_base_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "city_base/static/tests/tours/**/*",
        ],
    },
    "application": True,
}
