# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End to end on a real multi-worker server: the installed suite and its demo district."""

import requests


def test_login_page(odoo_server):
    response = requests.get(f"{odoo_server.url}/web/login", timeout=30)
    assert response.status_code == 200
    assert 'name="login"' in response.text and 'name="password"' in response.text


def test_zh_cn_operator_sees_demo_district_in_chinese(odoo_server):
    http = odoo_server.session("operator", "operator")
    context = {"lang": "zh_CN"}
    merchants = odoo_server.call_kw(
        http,
        "res.partner",
        "search_read",
        [[("is_merchant", "=", True), ("district_id.code", "=", "SH-JA-01")]],
        {"fields": ["name", "merchant_category_id", "opening_hours_summary"], "context": context},
    )
    assert len(merchants) >= 12
    categories = {m["merchant_category_id"][1] for m in merchants}
    assert {"餐饮", "茶饮", "影院", "商超", "健身", "美业", "医疗"} <= categories
    tea = next(m for m in merchants if m["name"].startswith("茶语时光"))
    assert tea["opening_hours_summary"] == "周一至周日 10:00–22:00"
    members = odoo_server.call_kw(http, "res.partner", "search_count", [[("is_member", "=", True)]])
    assert members >= 50
    menus = odoo_server.call_kw(http, "ir.ui.menu", "load_web_menus", [[], False], {"context": context})
    assert any(menu.get("name") == "同城商圈" for menu in menus.values())


def test_demo_merchant_manager_is_scoped(odoo_server):
    http = odoo_server.session("merchant", "merchant")
    merchants = odoo_server.call_kw(
        http, "res.partner", "search_read", [[("is_merchant", "=", True)]], {"fields": ["name"]}
    )
    assert [m["name"] for m in merchants] == ["茶语时光（静安寺店）"]
