# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Subscribe messages through wechatpy against the fake WeChat API: consents per template, one
message per consent, queue with retry and backoff, WeChat's answer logged; the four kinds."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.city_mp_message import MAX_ATTEMPTS
from .common import MiniProgramCommon

TEMPLATES = {
    "ticket_issued": "tpl-ticket-issued",
    "expiry_reminder": "tpl-expiry",
    "coupon_received": "tpl-coupon",
    "refund_done": "tpl-refund",
}


@tagged("post_install", "-at_install")
class TestMessages(MiniProgramCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for kind, template in TEMPLATES.items():
            cls.env["ir.config_parameter"].sudo().set_param(f"city_miniprogram_api.template.{kind}", template)
        cls.Message = cls.env["city.mp.message"]

    def setUp(self):
        super().setUp()
        self.fake.sent.clear()
        self.fake.send_errors.clear()

    def consent(self, token, *templates, answer="accept"):
        body = {"results": dict.fromkeys(templates, answer)}
        status, result, _response = self.call("POST", "/messages/subscriptions", body, token=token)
        self.assertEqual(status, 200, result)
        return result["result"]["accepted"]

    def test_one_message_per_consent(self):
        token, _refresh, member = self.login("openid-messages")
        body = self.call("GET", "/messages/templates", token=token)[1]
        self.assertEqual({t["kind"]: t["template_id"] for t in body["result"]["items"]}, TEMPLATES)
        self.assertEqual(self.consent(token, "tpl-ticket-issued"), ["ticket_issued"])
        self.assertEqual(self.consent(token, "tpl-refund", answer="reject"), [])
        self.assertError(
            self.call("POST", "/messages/subscriptions", {"results": {"tpl-other": "accept"}}, token=token),
            400,
            "unknown_template",
        )
        first = self._buy_tickets(self.voucher_a, member=member)
        second = self._buy_tickets(self.voucher_b, member=member)
        messages = self.Message.search([("partner_id", "=", member.id)], order="id")
        self.assertEqual(messages.mapped("kind"), ["ticket_issued", "ticket_issued"])
        self.assertEqual(self.Message._cron_send(), 2)
        self.assertEqual(messages.mapped("state"), ["sent", "no_consent"], "one consent: one message")
        self.assertEqual(len(self.fake.sent), 1)
        sent = self.fake.sent[0]
        self.assertEqual((sent["touser"], sent["template_id"]), ("openid-messages", "tpl-ticket-issued"))
        self.assertEqual(sent["data"]["thing1"]["value"], first.product_id.name)
        self.assertEqual((messages[0].errcode, messages[0].errmsg), (0, "ok"))
        self.assertTrue(messages[0].subscription_id.used)
        body = self.call("GET", "/messages", token=token)[1]
        self.assertEqual([m["state"] for m in body["result"]["items"]], ["no_consent", "sent"])
        other = self.login("openid-messages-other")[0]
        self.assertEqual(self.call("GET", "/messages", token=other)[1]["result"]["total"], 0)
        self.assertTrue(second)

    def test_retry_with_backoff_and_refusals(self):
        token, _refresh, member = self.login("openid-retry")
        self.consent(token, "tpl-ticket-issued")
        self._buy_tickets(self.voucher_a, member=member)
        message = self.Message.search([("partner_id", "=", member.id)])
        self.fake.send_errors.extend([-1, -1])
        self.Message._cron_send()
        self.assertEqual((message.state, message.attempts, message.errcode), ("queued", 1, -1))
        self.assertGreater(message.next_attempt, fields.Datetime.now() + timedelta(seconds=50))
        self.assertEqual(self.Message._cron_send(), 0, "not due yet")
        message.sudo().next_attempt = fields.Datetime.now()
        self.Message._cron_send()
        self.assertEqual(message.attempts, 2)
        self.assertGreater(message.next_attempt, fields.Datetime.now() + timedelta(seconds=110), "doubled")
        message.sudo().next_attempt = fields.Datetime.now()
        self.Message._cron_send()
        self.assertEqual((message.state, message.attempts, len(self.fake.sent)), ("sent", 3, 1))
        self.assertFalse(self.env["city.mp.subscription"]._open_counts(member))
        # WeChat says the member has no subscription: no retry, the consent is spent.
        self.consent(token, "tpl-ticket-issued")
        self._buy_tickets(self.voucher_b, member=member)
        refused = self.Message.search([("partner_id", "=", member.id), ("state", "=", "queued")])
        self.fake.send_errors.append(43101)
        self.Message._cron_send()
        self.assertEqual((refused.state, refused.errcode), ("no_consent", 43101))
        self.assertFalse(self.env["city.mp.subscription"]._open_counts(member))
        # a busy WeChat every time: failed after the last attempt
        self.consent(token, "tpl-ticket-issued")
        self._buy_tickets(self.card_a, member=member)
        busy = self.Message.search([("partner_id", "=", member.id), ("state", "=", "queued")])
        self.fake.send_errors.extend([-1] * MAX_ATTEMPTS)
        for _attempt in range(MAX_ATTEMPTS):
            busy.sudo().next_attempt = fields.Datetime.now()
            self.Message._cron_send()
        self.assertEqual((busy.state, busy.attempts), ("failed", MAX_ATTEMPTS))

    def test_expiry_coupon_refund_messages(self):
        token, _refresh, member = self.login("openid-kinds")
        self.consent(token, "tpl-expiry", "tpl-coupon", "tpl-refund")
        self.env["city.member.notification"]._queue(
            member,
            "points_expiring",
            "积分即将过期",
            "100 积分将于 2026-12-31 过期",
            {"points": 100, "expiry_date": "2026-12-31"},
        )
        issue = self._issue_coupon(member)
        ticket = self._buy_tickets(self.voucher_a, member=member)
        ticket._action_refund()
        self.Message._cron_send()
        sent = {body["template_id"]: body["data"] for body in self.fake.sent}
        self.assertEqual(set(sent), {"tpl-expiry", "tpl-coupon", "tpl-refund"})
        self.assertEqual(sent["tpl-expiry"]["number2"]["value"], "100")
        self.assertEqual(sent["tpl-coupon"]["thing1"]["value"], issue.program_id.name)
        self.assertEqual(sent["tpl-refund"]["amount2"]["value"], "¥99.00")
        notification = self.env["city.member.notification"].search([("partner_id", "=", member.id)])
        self.assertEqual(notification.state, "sent")
        never_logged_in = self.env["city.member.notification"]._queue(self.member_2, "points_expiring", "积分", "…")
        self.Message._cron_send()
        self.assertEqual(never_logged_in.state, "failed", "a member the mini-program cannot reach")
        self.assertEqual(self.Message.search_count([("partner_id", "=", member.id), ("state", "=", "sent")]), 3)
