# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Member behaviour events: written in bulk, append-only, read by operators only."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CityTestCommon


@tagged("post_install", "-at_install")
class TestMemberEvent(CityTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member = cls.env["res.partner"].create({"name": "会员小李", "is_member": True})
        cls.Event = cls.env["city.member.event"]

    def test_log_events_in_bulk(self):
        events = self.Event._city_log_events(
            [
                {"partner_id": self.member.id, "event_type": "view_merchant", "merchant_id": self.merchant_a.id},
                {"partner_id": self.member.id, "event_type": "search", "search_term": "奶茶"},
                {"partner_id": self.member.id, "event_type": "location", "latitude": 30.26, "longitude": 120.15},
            ]
        )
        self.assertEqual(len(events), 3)
        self.assertEqual(events.company_id, self.env.company)
        self.assertEqual(set(events.mapped("event_type")), {"view_merchant", "search", "location"})
        self.assertTrue(all(events.mapped("occurred_at")))

    def test_bad_input_is_refused_whole(self):
        count = self.Event.search_count([])
        for vals in (
            {"partner_id": self.member.id, "event_type": "hack"},
            {"event_type": "search"},
            {"partner_id": self.member.id, "event_type": "search", "create_uid": 1},
            {"partner_id": self.member.id, "event_type": "location", "latitude": 91},
            {"partner_id": self.member.id, "event_type": "location", "longitude": "east"},
            {"partner_id": 987654321, "event_type": "share"},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.Event._city_log_events([{"partner_id": self.member.id, "event_type": "share"}, vals])
        self.assertEqual(self.Event.search_count([]), count)

    def test_append_only_and_access(self):
        event = self.Event._city_log_events([{"partner_id": self.member.id, "event_type": "sign_in"}])
        with self.assertRaises(UserError):
            event.sudo().write({"event_type": "share"})
        # Operators read, nobody writes through RPC; merchants do not see members' behaviour.
        self.assertEqual(event.with_user(self.operator).read(["event_type"])[0]["event_type"], "sign_in")
        for user in (self.operator, self.manager_a, self.staff_a, self.accountant):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Event.with_user(user).create({"partner_id": self.member.id, "event_type": "share"})
                with self.assertRaises(AccessError):
                    event.with_user(user).unlink()
        for user in (self.manager_a, self.staff_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                event.with_user(user).read(["event_type"])

    def test_client_events_once_and_last_activity(self):
        def batch(*ids, at="2026-03-01 10:00:00"):
            return [
                {"partner_id": self.member.id, "event_type": "open_app", "client_event_id": i, "occurred_at": at}
                for i in ids
            ]

        self.assertEqual(self.Event._city_log_client_events(batch("e1", "e2")), 2)
        self.assertEqual(self.Event._city_log_client_events(batch("e2", "e3", at="2026-03-02 09:00:00")), 1)
        self.assertEqual(self.Event.search_count([("partner_id", "=", self.member.id)]), 3)
        self.assertEqual(str(self.member.city_last_activity), "2026-03-02 09:00:00")
        self.Event._city_log_client_events(batch("e4", at="2026-01-01 00:00:00"))
        self.assertEqual(str(self.member.city_last_activity), "2026-03-02 09:00:00", "never moved back")
        with self.assertRaises(ValidationError):
            self.Event._city_log_client_events([{**batch("e5")[0], "event_type": "hack"}])
