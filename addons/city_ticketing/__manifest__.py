# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: Ticketing",
    "summary": "Vouchers, appointment and event tickets, multi-use cards and combos with presale quotas, "
    "signed QR codes, scan redemption and transfer (票券核销)",
    "version": "18.0.1.2.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["city_settlement", "sale_stock", "event"],
    "external_dependencies": {"python": ["qrcode", "pydantic"]},
    "data": [
        "security/city_ticketing_security.xml",
        "security/ir.model.access.csv",
        "data/city_ticketing_data.xml",
        "views/product_template_views.xml",
        "views/city_ticket_views.xml",
        "views/sale_order_views.xml",
        "report/city_ticket_report.xml",
        "views/city_ticketing_menus.xml",
    ],
    "demo": [
        "demo/city_ticketing_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "city_ticketing/static/src/**/*",
        ],
        "web.assets_tests": [
            "city_ticketing/static/tests/tours/**/*",
        ],
    },
}
