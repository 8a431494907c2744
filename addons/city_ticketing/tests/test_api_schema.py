# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The machine API against its OpenAPI document: malformed bodies answer JSON 4xx,
the document is valid OpenAPI 3.1, and schemathesis finds no answer outside it."""

import collections
import json
import logging

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate as validate_openapi

from odoo.tests import HttpCase, tagged

from ..controllers import schemas
from .common import CityTicketingCommon

_logger = logging.getLogger(__name__)

# Bounded for CI: examples per operation and generation mode (positive, negative).
SCHEMATHESIS_EXAMPLES = 40
SYNC = "/city/ticketing/v1/products/sync"
REDEEM = "/city/ticketing/v1/redeem"


@tagged("post_install", "-at_install")
class TestMachineApiSchema(CityTicketingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.voucher_a.default_code = "HG-2P"
        cls.api_user_a = cls._create_user(
            "city_api_schema_a", "city_base.group_merchant_manager", cls.merchant_a, lang="zh_CN"
        )
        cls.key_a = cls.env["res.users.apikeys"].with_user(cls.api_user_a).sudo()._generate(None, "ERP", None)
        cls.auth = {"Authorization": f"Bearer {cls.key_a}"}

    def _post(self, path, data, headers=None):
        """POST raw ``data`` (bytes or a JSON-serialisable value); the status and the JSON answer."""
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        response = self.url_open(
            path, data=data, headers={"Content-Type": "application/json", **self.auth, **(headers or {})}
        )
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
            (REDEEM, {"code": "x", "uses": "2"}, "invalid_uses", "uses"),
            (REDEEM, {"code": "x", "uses": 0}, "invalid_uses", "uses"),
            (REDEEM, {"code": "x", "device": ["POS"]}, "invalid_device", "device"),
            (REDEEM, {"code": "x", "merchant": 1}, "unknown_field", "merchant"),
        ]
        for path, body, code, field in cases:
            with self.subTest(path=path, body=body):
                status, answer = self._post(path, body)
                self.assertEqual(
                    (status, answer["error"]["code"], answer["error"]["field"]), (400, code, field), answer
                )
                self.assertTrue(answer["error"]["message"])
        status, answer = self._post(SYNC, {"items": [item]}, headers={"Idempotency-Key": "k" * 129})
        self.assertEqual((status, answer["error"]["code"]), (400, "invalid_idempotency_key"))
        self.assertEqual(self.voucher_a.product_tmpl_id.city_quota, 100, "nothing was applied")

    def test_messages_in_the_users_language(self):
        cases = [
            (SYNC, {"idempotency_key": "k", "items": [{"sku": "HG-2P", "quota": -1}]}, "items[0].quota 不能小于 0。"),
            (SYNC, {"idempotency_key": 1, "items": []}, "需要提供 1 到 128 个字符的幂等键。"),
            (REDEEM, {"code": "x", "colour": "red"}, "未知字段：colour。"),
            (REDEEM, {"code": "x", "uses": 1.5}, "uses 必须是整数。"),
        ]
        for path, body, message in cases:
            with self.subTest(body=body):
                self.assertEqual(self._post(path, body)[1]["error"]["message"], message)

    def test_idempotency_key_from_header(self):
        status, answer = self._post(
            SYNC, {"items": [{"sku": "HG-2P", "quota": 120}]}, headers={"Idempotency-Key": "hdr-1"}
        )
        self.assertEqual((status, answer["result"]["applied"], answer["result"]["idempotency_key"]), (200, 1, "hdr-1"))
        self.assertEqual(self.voucher_a.product_tmpl_id.city_quota, 120)

    def test_openapi_document(self):
        response = self.url_open("/city/ticketing/v1/openapi.json")
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
        response = self.url_open(REDEEM, data=json.dumps({"code": ticket.token}), headers=self.auth)
        self.assertEqual(response.status_code, 200, response.text)
        schema[REDEEM]["POST"].validate_response(response)
        card = self._buy_tickets(self.card_a)
        response = self.url_open(
            REDEEM, data=json.dumps({"code": card.manual_code, "uses": 2, "device": "POS-1"}), headers=self.auth
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
        base_url = self.base_url()
        counts = collections.Counter()
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

                @settings(
                    max_examples=SCHEMATHESIS_EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def run(case, operation=operation, mode=mode):
                    response = case.call(base_url=base_url, headers=self.auth)
                    counts[operation.label, mode.value, response.status_code] += 1
                    case.validate_response(response, headers=self.auth, transport_kwargs={"base_url": base_url})
                    if mode == schemathesis.GenerationMode.POSITIVE and response.status_code == 400:
                        error = response.json()["error"]
                        self.assertNotIn("field", error, f"a schema-valid body was refused: {case.body!r} → {error}")

                run()
        summary = ", ".join(f"{label} {mode} {status}: {n}" for (label, mode, status), n in sorted(counts.items()))
        _logger.info("schemathesis: %s requests (%s)", counts.total(), summary)
        self.assertFalse([key for key in counts if key[2] >= 500])
        for label in (f"POST {REDEEM}", f"POST {SYNC}"):
            for mode in ("positive", "negative"):
                self.assertTrue(any(key[:2] == (label, mode) for key in counts), (label, mode))
