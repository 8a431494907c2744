# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import base64
import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.city_base.tools.allocation import allocate

from ..models.city_ticket import CityTicketError
from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestRedeem(CityTicketingCommon):
    def assertRefused(self, code, expected, merchant=None, **kwargs):
        with self.assertRaises(CityTicketError) as caught:
            self.env["city.ticket"]._redeem_code(code, merchant=merchant or self.merchant_a, **kwargs)
        self.assertEqual(caught.exception.code, expected, caught.exception.args[0])
        return caught.exception.args[0]

    def test_redeem_by_qr_releases_escrow_once(self):
        ticket = self._buy_tickets(self.voucher_a)
        escrow = ticket.escrow_id
        redemption = self.env["city.ticket"].with_user(self.staff_a)._redeem_code(ticket.token)
        self.assertEqual(ticket.state, "redeemed")
        self.assertEqual(redemption.merchant_id, self.merchant_a)
        self.assertEqual(redemption.user_id, self.staff_a)
        self.assertEqual(redemption.amount_fen, 9900)
        # The escrow is released in the redemption batch (one _release_many per batch).
        self.assertTrue(redemption.escrow_pending)
        self.assertEqual(escrow.amount_released, 0.0)
        self.assertIn(redemption, self.env["city.ticket.redemption"]._cron_release_escrow())
        self.assertFalse(redemption.escrow_pending)
        self.assertEqual(escrow.amount_released, 99.0)
        self.assertEqual(escrow.amount_residual, 0.0)
        allocations = self.env["city.settlement.allocation"].search([("escrow_id", "=", escrow.id)])
        self.assertTrue(allocations)
        self.assertFalse(self.env["city.ticket.redemption"]._cron_release_escrow(), "released once")
        message = self.assertRefused(ticket.token, "already_redeemed")
        self.assertIn("already been redeemed", message)
        self.assertRefused(ticket.manual_code, "already_redeemed")
        self.assertEqual(escrow.amount_released, 99.0)

    def test_refusals_have_distinct_codes_and_messages(self):
        ticket = self._buy_tickets(self.voucher_a)
        kid, payload, signature = ticket.token.split(".")
        other = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        other["t"] += 1
        altered_payload = base64.urlsafe_b64encode(json.dumps(other).encode()).rstrip(b"=").decode()
        messages = {
            "forged": self.assertRefused("abc.def.ghi", "forged"),
            "altered": self.assertRefused(f"{kid}.{altered_payload}.{signature}", "altered"),
            "wrong_merchant": self.assertRefused(ticket.token, "wrong_merchant", merchant=self.merchant_b),
            "bad_check_digit": self.assertRefused(
                ticket.manual_code[:-1] + str((int(ticket.manual_code[-1]) + 1) % 10), "bad_check_digit"
            ),
            "stale_code": self.assertRefused(
                f"{ticket.token}~{ticket._get_rotating_code(now=1000)['code']}", "stale_code"
            ),
        }
        expired = self._buy_tickets(self.voucher_a)
        expired.valid_to = fields.Datetime.now() - timedelta(minutes=1)
        messages["expired"] = self.assertRefused(expired.token, "expired")
        self.assertEqual(len(set(messages.values())), len(messages), "every refusal says what is wrong")
        # The current rotating code is accepted.
        self.env["city.ticket"]._redeem_code(ticket._get_rotating_code()["qr"], merchant=self.merchant_a)
        self.assertEqual(ticket.state, "redeemed")

    def test_refusal_messages_in_chinese(self):
        ticket = self._buy_tickets(self.voucher_a)
        scan = self.env["city.ticket"].with_user(self.staff_a).with_context(lang="zh_CN").action_scan_code
        self.assertTrue(scan(ticket.manual_code)["ok"])
        result = scan(ticket.manual_code)
        self.assertEqual(result["code"], "already_redeemed")
        self.assertIn("已核销", result["message"])
        self.assertIn("伪造", scan("not-a-code")["message"])

    def test_multi_use_card_partial_redemption(self):
        # Deployments may release at once instead of in the redemption batch.
        self.env["ir.config_parameter"].set_param("city_ticketing.escrow_release", "immediate")
        card = self._buy_tickets(self.card_a)
        escrow = card.escrow_id
        self.assertEqual(card.uses_total, 3)
        shares = allocate(10000, [1, 1, 1])
        redeem = self.env["city.ticket"].with_user(self.staff_a)._redeem_code
        first = redeem(card.manual_code)
        self.assertEqual(card.state, "partial")
        self.assertEqual(first.amount_fen, shares[0])
        self.assertEqual(escrow.amount_released, shares[0] / 100)
        with self.assertRaises(CityTicketError) as caught:
            redeem(card.manual_code, uses=3)
        self.assertEqual(caught.exception.code, "not_enough_uses")
        last = redeem(card.manual_code, uses=2)
        self.assertEqual(last.amount_fen, 10000 - shares[0], "the last use takes the residual")
        self.assertEqual(card.state, "redeemed")
        self.assertEqual(escrow.amount_residual, 0.0)

    def test_scan_screen_and_recent_list(self):
        ticket = self._buy_tickets(self.voucher_a)
        result = self.env["city.ticket"].with_user(self.staff_a).action_scan_code(ticket.manual_code)
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["ticket_id"], ticket.id)
        recent = self.env["city.ticket.redemption"].with_user(self.staff_a).get_recent_redemptions()
        self.assertEqual(recent[0]["id"], result["redemption_id"])
        self.assertFalse(self.env["city.ticket.redemption"].with_user(self.manager_b).get_recent_redemptions())
        # A merchant B user cannot redeem merchant A's ticket, even through the scan screen.
        other = self._buy_tickets(self.voucher_a)
        refused = self.env["city.ticket"].with_user(self.manager_b).action_scan_code(other.manual_code)
        self.assertEqual(refused["code"], "wrong_merchant")
        self.assertEqual(other.state, "issued")

    def test_refunded_and_not_yet_valid(self):
        ticket = self._buy_tickets(self.voucher_a)
        ticket._action_refund()
        self.assertEqual(ticket.state, "refunded")
        self.assertEqual(ticket.escrow_id.amount_refunded, 99.0)
        with self.assertRaises(CityTicketError) as caught:
            self.env["city.ticket"]._redeem_code(ticket.token, merchant=self.merchant_a)
        self.assertEqual(caught.exception.code, "refunded")
        future = self._buy_tickets(self.voucher_a)
        future.valid_from = fields.Datetime.now() + timedelta(days=1)
        with self.assertRaises(CityTicketError) as caught:
            self.env["city.ticket"]._redeem_code(future.token, merchant=self.merchant_a)
        self.assertEqual(caught.exception.code, "not_yet_valid")
