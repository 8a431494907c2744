# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: Mini-program API",
    "summary": "The members' JSON API of the WeChat mini-program (小程序接口)",
    "version": "18.0.1.0.0",
    "category": "City Life",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["city_ticketing", "city_loyalty", "city_wechatpay", "city_alliance"],
    "external_dependencies": {"python": ["wechatpy", "pydantic"]},
    "data": [
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/crm_team.xml",
    ],
}
