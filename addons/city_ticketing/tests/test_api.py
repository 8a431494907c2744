# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The merchant machine API: redemption, ERP sync and API keys; bad input answers JSON 4xx,
the OpenAPI document is valid OpenAPI 3.1, and schemathesis finds no answer outside it."""

import collections
import json
import logging

import schemathesis
from openapi_spec_validator import validate as validate_openapi

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.city_base.tests.api_fuzz import fuzz

from ..controllers import schemas
from ..models.city_ticket import CityTicketError
from .common import CityTicketingCommon

_logger = logging.getLogger(__name__)

# Bounded for CI: examples per operation and generation mode (positive, negative).
SCHEMATHESIS_EXAMPLES = 40
SYNC = "/city/ticketing/v1/products/sync"
REDEEM = "/city/ticketing/v1/redeem"


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
        cls.auth = {"Authorization": f"Bearer {cls.key_a}"}

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
        # A body of the wrong shape is refused as a whole (400: test_malformed_bodies_answer_json_400);
        # rows of the right shape are applied or refused one by one by the model.
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

    # ------------------------------------------------------------------ bad input, OpenAPI, schemathesis
    def _post_body(self, path, data, headers=None):
        """POST raw ``data`` (bytes or a JSON-serialisable value); the status and the JSON answer."""
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        headers = {"Content-Type": "application/json", **self.auth, **(headers or {})}
        response = self.opener.post(self.base_url() + path, data=data, headers=headers, timeout=60)
        self.assertTrue(
            response.headers.get("Content-Type", "").startswith("application/json"), (path, data, response.text[:300])
        )
        return response.status_code, response.json()

    def test_malformed_bodies_answer_json_400(self):
        """What a hostile client sends: each answer is a JSON 400 naming the refused field."""
        item = {"sku": "HG-2P", "quota": 10}
        cases = [
            (SYNC, b"", "invalid_json", ""),
            (SYNC, b"{not json", "invalid_json", ""),
            (SYNC, b"[1, 2]", "invalid_json", ""),
            (SYNC, b'"text"', "invalid_json", ""),
            (
                SYNC,
                b'{"idempotency_key": "k", "items": [{"sku": "HG-2P", "price": NaN}]}',
                "invalid_price",
                "items[0].price",
            ),
            (SYNC, {"idempotency_key": 7, "items": [item]}, "invalid_idempotency_key", "idempotency_key"),
            (SYNC, {"idempotency_key": True, "items": [item]}, "invalid_idempotency_key", "idempotency_key"),
            (SYNC, {"idempotency_key": ["k"], "items": [item]}, "invalid_idempotency_key", "idempotency_key"),
            (SYNC, {"idempotency_key": {"k": 1}, "items": [item]}, "invalid_idempotency_key", "idempotency_key"),
            (SYNC, {"idempotency_key": "", "items": [item]}, "invalid_idempotency_key", "idempotency_key"),
            (SYNC, {"idempotency_key": "k" * 129, "items": [item]}, "invalid_idempotency_key", "idempotency_key"),
            (SYNC, {"idempotency_key": "k\u0000", "items": [item]}, "invalid_idempotency_key", "idempotency_key"),
            (SYNC, {"idempotency_key": "k", "items": {}}, "invalid_items", "items"),
            (SYNC, {"idempotency_key": "k", "items": []}, "invalid_items", "items"),
            (SYNC, {"idempotency_key": "k", "items": [item] * 501}, "invalid_items", "items"),
            (SYNC, {"idempotency_key": "k", "items": [7]}, "invalid_items", "items[0]"),
            (SYNC, {"idempotency_key": "k", "items": [item], "extra": 1}, "unknown_field", "extra"),
            (SYNC, {"idempotency_key": "k", "items": [dict(item, colour="red")]}, "unknown_field", "items[0].colour"),
            (SYNC, {"idempotency_key": "k", "items": [dict(item, quota=-1)]}, "invalid_quota", "items[0].quota"),
            (SYNC, {"idempotency_key": "k", "items": [dict(item, quota=2**31)]}, "invalid_quota", "items[0].quota"),
            (SYNC, {"idempotency_key": "k", "items": [dict(item, quota=True)]}, "invalid_quota", "items[0].quota"),
            (SYNC, {"idempotency_key": "k", "items": [dict(item, quota=1.5)]}, "invalid_quota", "items[0].quota"),
            (SYNC, {"idempotency_key": "k", "items": [dict(item, price="free")]}, "invalid_price", "items[0].price"),
            (
                SYNC,
                {"idempotency_key": "k", "items": [{"product_id": 10**20, "quota": 1}]},
                "invalid_product",
                "items[0].product_id",
            ),
            (
                SYNC,
                {"idempotency_key": "k", "items": [{"sku": "\u0000", "quota": 1}]},
                "invalid_product",
                "items[0].sku",
            ),
            (SYNC, {"idempotency_key": "k", "items": [dict(item, tiers={})]}, "invalid_tiers", "items[0].tiers"),
            (
                SYNC,
                {"idempotency_key": "k", "items": [dict(item, tiers=[{"name": "早鸟", "price": 1, "until": "soon"}])]},
                "invalid_tiers",
                "items[0].tiers[0].until",
            ),
            (
                SYNC,
                {
                    "idempotency_key": "k",
                    "items": [dict(item, tiers=[{"name": "早鸟", "price": [1], "first_sold": 5}])],
                },
                "invalid_price",
                "items[0].tiers[0].price",
            ),
            (
                SYNC,
                {
                    "idempotency_key": "k",
                    "items": [dict(item, tiers=[{"name": "早鸟", "price": 1, "first_sold": 10**12}])],
                },
                "invalid_tiers",
                "items[0].tiers[0].first_sold",
            ),
            (REDEEM, b"null", "invalid_json", ""),
            (REDEEM, {"code": 12345}, "invalid_code", "code"),
            (REDEEM, {"code": ""}, "invalid_code", "code"),
            (REDEEM, {"code": "\u00b9"}, "invalid_code", "code"),
            (REDEEM, {"code": "x", "uses": "2"}, "invalid_uses", "uses"),
            (REDEEM, {"code": "x", "uses": 0}, "invalid_uses", "uses"),
            (REDEEM, {"code": "x", "device": ["POS"]}, "invalid_device", "device"),
            (REDEEM, {"code": "x", "merchant": 1}, "unknown_field", "merchant"),
        ]
        for path, body, code, field in cases:
            with self.subTest(path=path, body=body):
                status, answer = self._post_body(path, body)
                self.assertEqual(
                    (status, answer["error"]["code"], answer["error"]["field"]), (400, code, field), answer
                )
                self.assertTrue(answer["error"]["message"])
        status, answer = self._post_body(SYNC, {"items": [item]}, headers={"Idempotency-Key": "k" * 129})
        self.assertEqual((status, answer["error"]["code"]), (400, "invalid_idempotency_key"))
        self.assertEqual(self.voucher_a.product_tmpl_id.city_quota, 100, "nothing was applied")
        # Found by schemathesis: non-ASCII digits ('¹'.isdigit() is true) crashed the code look-up.
        tickets = self.env["city.ticket"].with_user(self.api_user_a)
        for code in ("\u00b9", "\u0663" * 11):
            with self.subTest(code=code), self.assertRaises(CityTicketError) as refusal:
                tickets._redeem_code(code)
            self.assertEqual(refusal.exception.code, "forged")

    def test_messages_in_the_users_language(self):
        cases = [
            (SYNC, {"idempotency_key": "k", "items": [{"sku": "HG-2P", "quota": -1}]}, "items[0].quota 不能小于 0。"),
            (SYNC, {"idempotency_key": 1, "items": []}, "需要提供 1 到 128 个字符的幂等键。"),
            (REDEEM, {"code": "x", "colour": "red"}, "未知字段：colour。"),
            (REDEEM, {"code": "x", "uses": 1.5}, "uses 必须是整数。"),
        ]
        for path, body, message in cases:
            with self.subTest(body=body):
                self.assertEqual(self._post_body(path, body)[1]["error"]["message"], message)

    def test_idempotency_key_from_header(self):
        status, answer = self._post_body(
            SYNC, {"items": [{"sku": "HG-2P", "quota": 120}]}, headers={"Idempotency-Key": "hdr-1"}
        )
        self.assertEqual((status, answer["result"]["applied"], answer["result"]["idempotency_key"]), (200, 1, "hdr-1"))
        self.assertEqual(self.voucher_a.product_tmpl_id.city_quota, 120)

    def test_openapi_document(self):
        response = self.url_open("/city/ticketing/v1/openapi.json", timeout=60)
        self.assertEqual(response.status_code, 200)
        document = response.json()
        validate_openapi(document)
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(document, json.loads(json.dumps(schemas.openapi())), "served from the validating schemas")
        redeem = document["paths"][REDEEM]["post"]
        self.assertEqual(
            redeem["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/RedeemRequest"
        )
        for status in ("200", "400", "401", "403", "404", "409", "410"):
            self.assertIn(status, redeem["responses"])
        sync_body = document["components"]["schemas"]["SyncRequest"]
        self.assertFalse(sync_body["additionalProperties"])
        self.assertEqual(sync_body["properties"]["items"]["maxItems"], 500)

    def test_redeem_answer_matches_the_document(self):
        """The success answers, which random codes never reach, are checked against the document too."""
        schema = schemathesis.openapi.from_dict(schemas.openapi())
        ticket = self._buy_tickets(self.voucher_a)
        response = self.url_open(REDEEM, data=json.dumps({"code": ticket.token}), headers=self.auth, timeout=60)
        self.assertEqual(response.status_code, 200, response.text)
        schema[REDEEM]["POST"].validate_response(response)
        card = self._buy_tickets(self.card_a)
        response = self.url_open(
            REDEEM,
            data=json.dumps({"code": card.manual_code, "uses": 2, "device": "POS-1"}),
            headers=self.auth,
            timeout=60,
        )
        self.assertEqual((response.status_code, response.json()["result"]["uses_done"]), (200, 2), response.text)
        schema[REDEEM]["POST"].validate_response(response)

    def test_schemathesis(self):
        """Schemathesis (positive and negative bodies, bounded) against the served document, as a merchant user.

        Every answer must be documented (status, JSON content type, body schema),
        no 5xx; unauthenticated replays must be refused; schema-violating bodies
        must be refused; schema-valid bodies are never refused by the body
        validation (a 400 naming a ``field``): only the models' own refusals.
        """
        config = schemathesis.Config.from_dict(
            {
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "410"]}
                }
            }
        )
        schema = schemathesis.openapi.from_url(f"{self.base_url()}/city/ticketing/v1/openapi.json", config=config)
        counts = collections.Counter()
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                self._fuzz(operation, mode, counts)
        summary = ", ".join(f"{label} {mode} {status}: {n}" for (label, mode, status), n in sorted(counts.items()))
        _logger.info("schemathesis: %s requests (%s)", counts.total(), summary)
        self.assertFalse([key for key in counts if key[2] >= 500])
        for label in (f"POST {REDEEM}", f"POST {SYNC}"):
            for mode in ("positive", "negative"):
                self.assertTrue(any(key[:2] == (label, mode) for key in counts), (label, mode))

    def _fuzz(self, operation, mode, counts):
        """Run schemathesis' generated cases of ``mode`` on ``operation``; count the answers by status."""

        def check(case, response):
            if mode == schemathesis.GenerationMode.POSITIVE and response.status_code == 400:
                error = response.json()["error"]
                self.assertNotIn("field", error, f"a schema-valid body was refused: {case.body!r} → {error}")

        fuzz(operation, mode, counts, self.base_url(), self.auth, SCHEMATHESIS_EXAMPLES, check=check)
