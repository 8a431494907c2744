# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json

from odoo.tests import HttpCase, new_test_user, tagged

from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestMerchantApi(CityTicketingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.voucher_a.default_code = "HG-2P"
        cls.voucher_b.default_code = "PT-1"
        cls.api_user_a = cls._create_user(
            "city_api_a", "city_base.group_merchant_manager", cls.merchant_a, lang="zh_CN"
        )
        cls.key_a = cls.env["res.users.apikeys"].with_user(cls.api_user_a).sudo()._generate(None, "扫码枪", None)

    def _post(self, path, body, key=None):
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key_a}"
        response = self.url_open(path, data=json.dumps(body), headers=headers)
        return response.status_code, response.json() if response.headers.get("Content-Type", "").startswith(
            "application/json"
        ) else None

    def test_redeem_endpoint(self):
        ticket = self._buy_tickets(self.voucher_a)
        status, body = self._post("/city/ticketing/v1/redeem", {"code": ticket.token, "device": "POS-1"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"]["state"], "redeemed")
        self.assertEqual(body["result"]["amount"], 99.0)
        self.assertEqual(ticket.redemption_ids.device, "POS-1")
        status, body = self._post("/city/ticketing/v1/redeem", {"code": ticket.token})
        self.assertEqual(status, 409)
        self.assertEqual(body["error"]["code"], "already_redeemed")
        self.assertIn("已核销", body["error"]["message"])
        other = self._buy_tickets(self.voucher_b)
        status, body = self._post("/city/ticketing/v1/redeem", {"code": other.manual_code})
        self.assertEqual((status, body["error"]["code"]), (403, "wrong_merchant"))
        status, body = self._post("/city/ticketing/v1/redeem", {"code": "x.y.z"})
        self.assertEqual((status, body["error"]["code"]), (400, "forged"))
        status, body = self._post("/city/ticketing/v1/redeem", {"uses": 1})
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_code"))
        self.assertEqual(other.state, "issued")

    def _post_raw(self, path, headers):
        headers = {"Content-Type": "application/json", **headers}
        return self.url_open(path, data=json.dumps({"code": "x", "items": []}), headers=headers)

    def test_bad_credentials_answer_json_401(self):
        revoked_key = self.env["res.users.apikeys"].with_user(self.api_user_a).sudo()._generate(None, "旧扫码枪", None)
        self.env["res.users.apikeys"].sudo().search(
            [("user_id", "=", self.api_user_a.id), ("name", "=", "旧扫码枪")]
        )._remove()
        cases = {
            "no header": {},
            "malformed header": {"Authorization": f"Token {self.key_a}"},
            "empty bearer": {"Authorization": "Bearer "},
            "basic auth": {"Authorization": "Basic Y2l0eTpjaXR5"},
            "wrong key": {"Authorization": "Bearer 0123456789abcdef0123456789abcdef01234567"},
            "revoked key": {"Authorization": f"Bearer {revoked_key}"},
        }
        for path in ("/city/ticketing/v1/redeem", "/city/ticketing/v1/products/sync"):
            for case, headers in cases.items():
                with self.subTest(path=path, case=case):
                    response = self._post_raw(path, headers)
                    self.assertEqual(response.status_code, 401)
                    self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
                    self.assertEqual(response.headers.get("WWW-Authenticate"), "Bearer")
                    error = response.json()["error"]
                    self.assertEqual(error["code"], "unauthorized")
                    self.assertTrue(error["message"])

    def test_expired_key_answers_json_401(self):
        key = self.env["res.users.apikeys"].with_user(self.api_user_a).sudo()._generate(None, "临时扫码枪", None)
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET expiration_date = now() - interval '1 day' WHERE user_id = %s AND name = %s",
            [self.api_user_a.id, "临时扫码枪"],
        )
        status, body = self._post("/city/ticketing/v1/redeem", {"code": "x"}, key=key)
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))

    def test_key_of_non_merchant_user_answers_json_403(self):
        platform_user = self._create_user("city_api_platform", "city_base.group_operator")
        key = self.env["res.users.apikeys"].with_user(platform_user).sudo()._generate(None, "平台脚本", None)
        status, body = self._post("/city/ticketing/v1/redeem", {"code": "x"}, key=key)
        self.assertEqual((status, body["error"]["code"]), (403, "no_merchant"))
        status, body = self._post("/city/ticketing/v1/products/sync", {"idempotency_key": "k", "items": []}, key=key)
        self.assertEqual((status, body["error"]["code"]), (403, "no_merchant"))
        portal_user = new_test_user(self.env, login="city_api_portal", groups="base.group_portal")
        key = self.env["res.users.apikeys"].with_user(portal_user).sudo()._generate(None, "门户", None)
        status, body = self._post("/city/ticketing/v1/redeem", {"code": "x"}, key=key)
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))

    def test_erp_sync_endpoint(self):
        body = {
            "idempotency_key": "erp-2026-11-25-001",
            "items": [
                {
                    "sku": "HG-2P",
                    "quota": 300,
                    "price": 109.0,
                    "tiers": [{"name": "早鸟", "price": 89.0, "first_sold": 50}],
                },
                {"sku": "PT-1", "quota": 10},
                {"sku": "HG-2P", "price": 12.345},
                {"product_id": self.card_a.product_tmpl_id.id},
                {"sku": "NOPE", "quota": 1},
            ],
        }
        status, answer = self._post("/city/ticketing/v1/products/sync", body)
        self.assertEqual(status, 200, answer)
        result = answer["result"]
        self.assertEqual((result["applied"], result["rejected"]), (1, 4))
        codes = [r.get("error", {}).get("code") for r in result["results"]]
        # A body of the wrong shape is refused as a whole (400, see test_api_schema); rows of the right
        # shape are applied or refused one by one by the model.
        self.assertEqual(codes, [None, "unknown_product", "invalid_price", "nothing_to_update", "unknown_product"])
        template = self.voucher_a.product_tmpl_id
        self.assertEqual((template.city_quota, template.list_price, template.city_current_price), (300, 109.0, 89.0))
        self.assertEqual(self.voucher_b.product_tmpl_id.city_quota, 0, "another merchant's product is untouched")
        # Replaying the same request applies nothing twice and answers the same.
        template.city_quota = 250
        status, again = self._post("/city/ticketing/v1/products/sync", body)
        self.assertTrue(again["result"]["replayed"])
        self.assertEqual(again["result"]["results"], result["results"])
        self.assertEqual(template.city_quota, 250)
        status, conflict = self._post("/city/ticketing/v1/products/sync", dict(body, items=body["items"][:1]))
        self.assertEqual((status, conflict["error"]["code"]), (409, "idempotency_conflict"))
        status, bad = self._post("/city/ticketing/v1/products/sync", {"items": [{"sku": "HG-2P", "quota": 1}]})
        self.assertEqual((status, bad["error"]["code"]), (400, "invalid_idempotency_key"))
