# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A member's day through the mini-program API on a real 2-worker server, end to end:
login → nearby → buy the ¥199 three-shop combo → pay (city_wechatpay's fake WeChat Pay
server, real signatures) → notice → tickets with rotating codes → redeemed at each shop
through the merchant scanner API → points earned → points spent in the mall → an
alliance coupon received (the demo's "观影后送茶饮8折券": a ticket redeemed at the
cinema) and used at the tea shop's counter.

WeChat's servers are the fakes of city_miniprogram_api and city_wechatpay, in this
process; the crons the server does not run here (payment post-processing, alliance
events) are run in this process, as the triggered crons would.
"""

import requests
from test_mp_api_orders import P, mp_env  # noqa: F401 (fixture)
from test_wechatpay_notices import wechatpay_env  # noqa: F401 (fixture)

import odoo
from odoo import Command

from odoo.addons.city_wechatpay import const

CINEMA, HOTPOT, TEA = (
    "city_base.demo_merchant_cinema_star",
    "city_base.demo_merchant_hotpot_shu",
    "city_base.demo_merchant_tea_time",
)


def _setup(registry):
    """The combo (cinema, hotpot, tea: ¥199), a scanner API key per shop, a 100-point mall reward."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})
        shops = [env.ref(xmlid) for xmlid in (CINEMA, HOTPOT, TEA)]
        combo = env["product.template"].create(
            {
                "name": "观影+火锅+茶饮 三店联票",
                "type": "service",
                "list_price": 199.0,
                "taxes_id": False,
                "merchant_id": shops[0].id,
                "city_ticket_type": "voucher",
                "city_valid_days": 30,
                "city_is_combo": True,
                "city_component_ids": [
                    Command.create({"name": f"{shop.name} 套餐", "merchant_id": shop.id, "weight": weight})
                    for shop, weight in zip(shops, (1, 2, 1), strict=True)
                ],
            }
        )
        keys = {}
        for shop in shops:
            user = env["res.users"].create(
                {
                    "name": f"{shop.name} 扫码枪",
                    "login": f"e2e_scanner_{shop.id}_{combo.id}",
                    "merchant_id": shop.id,
                    "groups_id": [Command.set([env.ref("city_base.group_merchant_user").id])],
                }
            )
            keys[shop.id] = env["res.users.apikeys"].with_user(user).sudo()._generate(None, "scanner", None)
        program = env["loyalty.program"].create({"name": "e2e 5元券", "program_type": "coupons"})
        reward = env["city.points.reward"].create(
            {"name": "e2e 5元券", "kind": "coupon", "points_cost": 100, "loyalty_program_id": program.id}
        )
        return combo.id, [shop.id for shop in shops], keys, reward.id


def _in_process(registry, func):
    with registry.cursor() as cr:
        return func(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"}))


def test_member_day_end_to_end(odoo_server, mp_env, wechatpay_env):  # noqa: F811
    registry, fake = mp_env
    _registry, pay_fake = wechatpay_env
    combo_id, shop_ids, keys, reward_id = _setup(registry)
    cinema_id, _hotpot_id, tea_id = shop_ids
    api = requests.Session()
    api.headers["Accept-Language"] = "en"
    url = odoo_server.url + P

    def call(method, path, **kwargs):
        response = api.request(method, url + path, timeout=60, **kwargs)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()["result"]

    login = call("POST", "/auth/login", json={"code": fake.login_code("openid-e2e-day")})
    api.headers["Authorization"] = f"Bearer {login['access_token']}"
    member_id = login["member"]["id"]
    where = _in_process(
        registry, lambda env: env["res.partner"].browse(cinema_id).read(["partner_latitude", "partner_longitude"])
    )[0]
    nearby = call(
        "GET",
        f"/merchants/nearby?latitude={where['partner_latitude']}&longitude={where['partner_longitude']}&radius=1000",
    )
    assert {cinema_id, tea_id} <= {m["id"] for m in nearby["items"]}
    products = call("GET", f"/merchants/{cinema_id}/products?limit=50")["items"]
    assert {"fen": 19900, "display": "¥199.00"} in [p["price"] for p in products if p["id"] == combo_id]

    order = call("POST", "/orders", json={"items": [{"product_id": combo_id}]}, headers={"Idempotency-Key": "e2e-1"})
    pay = call("POST", f"/orders/{order['id']}/pay")
    assert pay_fake.orders[pay["reference"]]["amount"]["total"] == 19900
    headers, body = pay_fake.notice("TRANSACTION.SUCCESS", pay_fake.pay(pay["reference"]))
    assert requests.post(odoo_server.url + const.WEBHOOK_URL, data=body.encode(), headers=headers, timeout=60).ok

    def post_process(env):  # what the triggered post-processing cron does
        env["payment.transaction"].search([("reference", "=", pay["reference"])])._post_process()

    _in_process(registry, post_process)
    assert call("GET", f"/orders/{order['id']}")["state"] == "paid"

    tickets = call("GET", "/tickets")["items"]
    assert sorted(t["merchant"]["id"] for t in tickets) == sorted(shop_ids)
    assert sum(t["amount_paid"]["fen"] for t in tickets) == 19900
    for ticket in tickets:
        display = call("GET", f"/tickets/{ticket['id']}")["display"]
        assert len(display["code"]) == 6 and display["qr"].endswith("~" + display["code"])
        scanner = {"Authorization": f"Bearer {keys[ticket['merchant']['id']]}"}
        redeemed = requests.post(
            odoo_server.url + "/city/ticketing/v1/redeem", json={"code": display["qr"]}, headers=scanner, timeout=60
        )
        assert redeemed.status_code == 200, redeemed.text
    assert {t["state"] for t in call("GET", "/tickets")["items"]} == {"redeemed"}

    wallet = call("GET", "/points")
    earned = call("GET", "/points/ledger")["items"]
    assert wallet["balance"] == sum(line["points"] for line in earned) >= 100, (wallet, earned)
    spent = call("POST", f"/rewards/{reward_id}/redeem", headers={"Idempotency-Key": "e2e-mall"})
    assert (spent["balance"], bool(spent["coupon_code"])) == (wallet["balance"] - 100, True)

    # The redemption at the cinema triggers the alliance's tea coupon (the event cron's work).
    _in_process(registry, lambda env: env["city.alliance.event"]._city_process_pending(10000))
    available = call("GET", "/coupons/available")["items"]
    coupon = next(c for c in available if c["merchant_id"] == tea_id)
    claimed = call("POST", f"/coupons/{coupon['id']}/claim")
    assert claimed["state"] == "claimed" and claimed["code"]

    def use_at_tea_counter(env):
        staff = env["res.users"].search([("merchant_id", "=", tea_id), ("login", "like", "e2e_scanner_%")], limit=1)
        issue = env["city.coupon.issue"].with_user(staff)._city_use_at_counter(claimed["code"], staff.merchant_id, 60)
        return issue.discount_amount

    assert _in_process(registry, use_at_tea_counter) > 0
    cards = call("GET", "/coupons")["items"]
    assert {(c["coupon_id"], c["state"]) for c in cards if c["source"] == "alliance"} >= {(coupon["id"], "used")}
    assert {c["source"] for c in cards} == {"alliance", "loyalty"}, "the mall's coupon is among them"
    assert member_id
