# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json

from odoo.tests import HttpCase, tagged

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
        status, _body = self._post("/city/ticketing/v1/redeem", {"code": other.manual_code}, key="wrong")
        self.assertEqual(status, 401)
        status, _body = self._post("/city/ticketing/v1/redeem", {"code": other.manual_code}, key=False)
        self.assertEqual(status, 401)
        self.assertEqual(other.state, "issued")

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
                {"sku": "HG-2P", "quota": -1},
                {"product_id": self.card_a.product_tmpl_id.id, "price": "free"},
                {"sku": "NOPE", "quota": 1},
            ],
        }
        status, answer = self._post("/city/ticketing/v1/products/sync", body)
        self.assertEqual(status, 200, answer)
        result = answer["result"]
        self.assertEqual((result["applied"], result["rejected"]), (1, 4))
        codes = [r.get("error", {}).get("code") for r in result["results"]]
        self.assertEqual(codes, [None, "unknown_product", "invalid_quota", "invalid_price", "unknown_product"])
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
        status, bad = self._post("/city/ticketing/v1/products/sync", {"items": []})
        self.assertEqual((status, bad["error"]["code"]), (400, "invalid_idempotency_key"))
