# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: Data Cockpit",
    "summary": "The district's data cockpit: 30-minute heat map, KPIs, funnels, merchant map and alliance figures "
    "from incrementally maintained rollups, readable from a replica (数据驾驶舱)",
    "version": "18.0.1.2.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["web", "city_alliance"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/ir.model.access.csv",
        "security/city_dashboard_security.xml",
        "data/city_dashboard_cron.xml",
        "views/city_dashboard_report_views.xml",
        "views/city_dashboard_menus.xml",
    ],
    "demo": [
        "demo/city_dashboard_demo.xml",
    ],
    "post_init_hook": "_city_dashboard_post_init",
    "assets": {
        "web.assets_backend": [
            "city_dashboard/static/src/**/*",
        ],
        "web.assets_tests": [
            "city_dashboard/static/tests/tours/**/*",
        ],
    },
}
