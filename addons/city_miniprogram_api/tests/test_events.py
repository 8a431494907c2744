# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Behaviour events: a bounded batch, recorded once per client event id, coordinates only where
the member allowed the location, the member's last activity."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..controllers.schemas import MAX_EVENTS
from .common import MiniProgramCommon


@tagged("post_install", "-at_install")
class TestEvents(MiniProgramCommon):
    def _event(self, client_id, kind="view_merchant", **vals):
        if kind == "view_merchant":
            vals.setdefault("merchant_id", self.merchant_a.id)
        return {"client_event_id": client_id, "type": kind, "occurred_at": self._now(), **vals}

    def test_batch_once_location_last_activity(self):
        token, _refresh, member = self.login("openid-events")
        where = {"latitude": 30.26, "longitude": 120.15}
        batch = [
            self._event("c1", **where),
            self._event("c2", "view_product", product_id=self.voucher_a.product_tmpl_id.id),
            self._event("c3", "search", search_term="火锅"),
        ]
        status, body, _response = self.call("POST", "/events", {"events": batch}, token=token)
        self.assertEqual((status, body["result"]), (200, {"received": 3, "recorded": 3}), body)
        events = self.env["city.member.event"].search([("partner_id", "=", member.id)])
        self.assertEqual(set(events.mapped("client_event_id")), {"c1", "c2", "c3"})
        self.assertFalse(any(events.mapped("latitude")), "the member did not allow the location")
        self.assertEqual(events.filtered(lambda e: e.event_type == "view_product").product_id, self.voucher_a)
        self.assertTrue(member.city_last_activity)
        again = {"events": [*batch, self._event("c4", "share_coupon", **where)], "location_allowed": True}
        status, body, _response = self.call("POST", "/events", again, token=token)
        self.assertEqual(body["result"], {"received": 4, "recorded": 1}, "a batch sent again is recorded once")
        shared = self.env["city.member.event"].search([("client_event_id", "=", "c4")])
        self.assertEqual((shared.partner_id, float(shared.latitude)), (member, 30.26))

    def test_bad_batches_are_refused_whole(self):
        token, _refresh, member = self.login("openid-events-bad")
        old = fields.Datetime.to_string(fields.Datetime.now() - timedelta(days=8)).replace(" ", "T")
        for batch, code in (
            ([self._event(f"x{i}") for i in range(MAX_EVENTS + 1)], "invalid_events"),
            ([], "invalid_events"),
            ([self._event("x1", kind="hack")], "invalid_type"),
            ([self._event("x1"), self._event("x2", merchant_id=987654)], "unknown_merchant"),
            ([self._event("x1", "view_product", product_id=987654)], "unknown_product"),
            ([self._event("x1", occurred_at=old)], "invalid_time"),
        ):
            with self.subTest(code=code):
                self.assertError(self.call("POST", "/events", {"events": batch}, token=token), 400, code)
        self.assertFalse(self.env["city.member.event"].search_count([("partner_id", "=", member.id)]))
        self.assertFalse(member.city_last_activity)

    def test_same_id_twice_in_a_batch_and_one_token_check(self):
        token, _refresh, member = self.login("openid-events-once")
        session_class = type(self.env["city.mp.session"])
        with patch.object(
            session_class, "_authenticate", autospec=True, side_effect=session_class._authenticate
        ) as check:
            status, body, _response = self.call(
                "POST", "/events", {"events": [self._event("d1"), self._event("d1"), self._event("d2")]}, token=token
            )
        self.assertEqual((status, body["result"]), (200, {"received": 3, "recorded": 2}), body)
        self.assertEqual(check.call_count, 1, "the rate limit (per member) and the handler share one token check")
        self.assertEqual(self.env["city.member.event"].search_count([("partner_id", "=", member.id)]), 2)
