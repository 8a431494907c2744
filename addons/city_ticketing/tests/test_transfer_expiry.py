# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.city_ticket import CityTicketError
from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestTransferExpiry(CityTicketingCommon):
    def test_gift_by_claim_code_keeps_the_holder_chain(self):
        ticket = self._buy_tickets(self.voucher_a)
        old_token, old_code = ticket.token, ticket.manual_code
        claim = ticket._create_claim_code()
        member_3 = self.env["res.partner"].create({"name": "会员王五", "is_member": True})
        with self.assertRaises(CityTicketError) as caught:
            self.env["city.ticket"]._claim(claim, self.member)
        self.assertEqual(caught.exception.code, "own_ticket")
        self.env["city.ticket"]._claim(claim.lower(), self.member_2)
        self.assertEqual(ticket.partner_id, self.member_2)
        self.assertEqual(ticket.state, "transferred")
        with self.assertRaises(CityTicketError) as caught:
            self.env["city.ticket"]._claim(claim, member_3)
        self.assertEqual(caught.exception.code, "unknown_claim", "a claim code works once")
        # The old holder's codes stopped working.
        for code, expected in ((old_token, "revoked"), (old_code, "unknown_code")):
            with self.assertRaises(CityTicketError) as caught:
                self.env["city.ticket"]._redeem_code(code, merchant=self.merchant_a)
            self.assertEqual(caught.exception.code, expected)
        self.env["city.ticket"]._claim(ticket._create_claim_code(), member_3)
        self.assertEqual(ticket.transfer_ids.mapped("from_partner_id"), self.member | self.member_2)
        self.assertEqual(ticket.transfer_ids.mapped("to_partner_id"), self.member_2 | member_3)
        self.env["city.ticket"]._redeem_code(ticket.token, merchant=self.merchant_a)
        self.assertEqual(ticket.state, "redeemed")
        with self.assertRaises(CityTicketError):
            ticket._create_claim_code()

    def test_expired_claim_code(self):
        ticket = self._buy_tickets(self.voucher_a)
        claim = ticket._create_claim_code()
        ticket.sudo().claim_expires = fields.Datetime.now() - timedelta(seconds=1)
        with self.assertRaises(CityTicketError) as caught:
            self.env["city.ticket"]._claim(claim, self.member_2)
        self.assertEqual(caught.exception.code, "claim_expired")

    def test_expiry_cron_refunds_or_forfeits_by_policy(self):
        refundable = self._buy_tickets(self.voucher_a)
        self.voucher_b.city_refund_policy = "no_refund"
        forfeited = self._buy_tickets(self.voucher_b)
        self.card_a.city_refund_policy = "expire_refund"
        card = self._buy_tickets(self.card_a)
        self.env["city.ticket"]._redeem_code(card.token, merchant=self.merchant_a)
        fresh = self._buy_tickets(self.voucher_a)
        past = fields.Datetime.now() - timedelta(hours=1)
        (refundable | forfeited | card).write({"valid_to": past})
        self.env["city.ticket"]._cron_expire_tickets()
        self.assertEqual(refundable.state, "refunded")
        self.assertEqual(refundable.escrow_id.amount_refunded, 99.0)
        self.assertEqual(forfeited.state, "expired")
        self.assertEqual(forfeited.escrow_id.amount_forfeited, 59.0)
        self.assertEqual(card.state, "refunded")
        self.assertEqual(card.escrow_id.amount_released + card.escrow_id.amount_refunded, 100.0)
        self.assertEqual(card.escrow_id.amount_residual, 0.0, "expiry takes the residual")
        self.assertEqual(fresh.state, "issued")

    def test_refund_on_request_follows_policy(self):
        self.voucher_b.city_refund_policy = "no_refund"
        ticket = self._buy_tickets(self.voucher_b)
        with self.assertRaises(CityTicketError) as caught:
            ticket._action_refund()
        self.assertEqual(caught.exception.code, "not_refundable")
        self.assertEqual(ticket.state, "issued")
