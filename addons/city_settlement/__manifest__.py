# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: Settlement",
    "summary": "Escrow, split rules and engine, batch journal entries, merchant settlements and payouts (分账结算)",
    "version": "18.0.1.0.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["city_base", "account", "payment", "sale"],
    "data": [
        "security/city_settlement_groups.xml",
        "security/city_settlement_security.xml",
        "security/ir.model.access.csv",
        "data/city_settlement_data.xml",
        "views/city_split_rule_views.xml",
        "views/city_escrow_views.xml",
        "views/city_settlement_allocation_views.xml",
        "views/city_settlement_views.xml",
        "views/res_partner_views.xml",
        "report/city_settlement_report.xml",
        "views/city_settlement_menus.xml",
    ],
    "demo": [
        "demo/city_settlement_demo.xml",
    ],
    "post_init_hook": "_city_settlement_post_init",
}
