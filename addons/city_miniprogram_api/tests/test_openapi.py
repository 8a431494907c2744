# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The served OpenAPI document: valid OpenAPI 3.1, the one the schemas make; every path with an id
answers 404 for another member's record (generated from the document); schemathesis as a member."""

import collections
import json
import logging
import re

import schemathesis
from openapi_spec_validator import validate as validate_openapi

from odoo.tests import tagged

from odoo.addons.city_base.tests.api_fuzz import fuzz

from ..controllers import schemas
from .common import MiniProgramCommon, P

_logger = logging.getLogger(__name__)

# Per operation and mode: ~1,000 requests in all, the run time of the first 19 operations at 25 (CI budget).
SCHEMATHESIS_EXAMPLES = 15
# Path parameters naming what anybody may see (merchants are public); every other one is a member's record.
PUBLIC_PARAMETERS = {"merchant_id", "reward_id"}
# Fuzzing these would end the member's own login in the middle of the run: tested in test_auth.
NOT_FUZZED = {f"POST {P}/auth/logout"}


@tagged("post_install", "-at_install")
class TestOpenApi(MiniProgramCommon):
    def test_document(self):
        response = self.url_open(P + "/openapi.json", timeout=60)
        self.assertEqual(response.status_code, 200)
        document = response.json()
        validate_openapi(document)
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(document, json.loads(json.dumps(schemas.openapi())), "served from the validating schemas")
        nearby = document["paths"][P + "/merchants/nearby"]["get"]
        names = {p["name"]: p for p in nearby["parameters"]}
        self.assertTrue(names["latitude"]["required"])
        self.assertEqual(names["radius"]["schema"]["default"], 3000)
        self.assertEqual(names["limit"]["schema"]["maximum"], schemas.MAX_LIMIT)
        create = document["paths"][P + "/orders"]["post"]
        self.assertIn("Idempotency-Key", [p["name"] for p in create["parameters"]])
        for status in ("200", "400", "401", "404", "409", "429"):
            self.assertIn(status, create["responses"])

    def test_other_members_records_answer_404(self):
        """Every path taking an id, called with another member's record: the same 404 as a missing one."""
        owner_token, _refresh, owner = self.login("openid-owner")
        stranger_token = self.login("openid-stranger")[0]
        ticket = self._buy_tickets(self.voucher_a, member=owner)
        coupon = self._issue_coupon(owner)
        records = {"order_id": ticket.order_id.id, "ticket_id": ticket.id, "coupon_id": coupon.id}
        document = schemas.openapi()
        checked = 0
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                params = [p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"]
                private = [name for name in params if name not in PUBLIC_PARAMETERS]
                if not private:
                    continue
                for name in private:
                    self.assertIn(name, records, f"{method} {path}: add a record of a member for {{{name}}}")
                url = path.removeprefix(P)
                for name in params:
                    url = url.replace(f"{{{name}}}", str(records.get(name) or self.merchant_a.id))
                with self.subTest(method=method, path=path):
                    body = {"items": [{"product_id": self.voucher_a.product_tmpl_id.id}]} if method == "post" else None
                    self.assertError(self.call(method.upper(), url, body, token=stranger_token), 404, "not_found")
                    self.assertNotEqual(self.call(method.upper(), url, body, token=owner_token)[0], 404)
                    checked += 1
        self.assertGreaterEqual(checked, 8)
        self.assertEqual(ticket.partner_id, owner, "nothing changed hands")

    def test_schemathesis(self):
        """Schemathesis (positive and negative, bounded) against the served document, as a member: no 5xx,
        every answer documented; schema-valid input is never refused for its shape."""
        token = self.login("openid-fuzz")[0]
        auth = {"Authorization": f"Bearer {token}"}
        config = schemathesis.Config.from_dict(
            {
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "404", "409", "410", "429"]}
                }
            }
        )
        schema = schemathesis.openapi.from_url(f"{self.base_url()}{P}/openapi.json", config=config)
        counts = collections.Counter()
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.label in NOT_FUZZED:
                continue
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                self._fuzz(operation, mode, counts, auth)
        summary = ", ".join(f"{label} {mode} {status}: {n}" for (label, mode, status), n in sorted(counts.items()))
        _logger.info("schemathesis: %s requests (%s)", counts.total(), summary)
        self.assertFalse([key for key in counts if key[2] >= 500])
        self.assertGreater(counts.total(), 100)

    def _fuzz(self, operation, mode, counts, auth):
        positive = mode == schemathesis.GenerationMode.POSITIVE

        def prepare(case, headers):
            if operation.label == f"POST {P}/orders" and positive:
                headers.setdefault("Idempotency-Key", re.sub(r"\W", "", repr(case.body))[:100] or "k")

        def check(case, response):
            if positive and response.status_code == 400:
                error = response.json()["error"]
                self.assertNotIn("field", error, f"a schema-valid input was refused: {case!r} → {error}")

        fuzz(operation, mode, counts, self.base_url(), auth, SCHEMATHESIS_EXAMPLES, prepare=prepare, check=check)
