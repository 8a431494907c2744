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


def test_demo_users_land_on_city_life_app(odoo_server):
    """The demo users' home action opens the 同城商圈 app, not Odoo's first app (Discuss).

    The web client shows the app of a menu whose action is the one it runs: the home
    action, or the action a home server action returns.
    """
    admin = odoo_server.session("admin", "admin")
    [root] = odoo_server.call_kw(
        admin, "ir.model.data", "search_read",
        [[("module", "=", "city_base"), ("name", "=", "city_base_menu_root")]], {"fields": ["res_id"]},
    )  # fmt: skip
    for login in ("operator", "accountant", "merchant", "staff"):
        http = odoo_server.session(login, login)
        session_info = http.post(f"{odoo_server.url}/web/session/get_session_info", json={"params": {}}).json()
        home_action_id = session_info["result"]["home_action_id"]
        assert home_action_id, f"{login} has no home action"
        # What the web client runs: the home action, or what a server action returns.
        action, route = {"id": home_action_id}, "load"
        while route:
            params = {"action_id": action["id"]}
            body = http.post(f"{odoo_server.url}/web/action/{route}", json={"params": params}).json()
            assert "error" not in body, f"{login}: {body['error']['data']['message']}"
            action = body["result"]
            route = "run" if action["type"] == "ir.actions.server" else None
        menus = odoo_server.call_kw(http, "ir.ui.menu", "load_web_menus", [[], False])
        apps = {menu["appID"] for menu in menus.values() if menu.get("actionID") == action.get("id")}
        assert apps == {root["res_id"]}, f"{login} lands on {apps}"
