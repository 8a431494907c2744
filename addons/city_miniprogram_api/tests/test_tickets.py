# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tickets: list, detail with the rotating code and QR image, transfer and claim."""

from odoo.tests import tagged

from .common import MiniProgramCommon


@tagged("post_install", "-at_install")
class TestTickets(MiniProgramCommon):
    def test_list_detail_transfer_claim(self):
        token, _refresh, holder = self.login("openid-holder")
        tickets = self._buy_tickets(self.voucher_a, qty=2, member=holder)
        status, body, _response = self.call("GET", "/tickets", token=token)
        self.assertEqual((status, body["result"]["total"]), (200, 2), body)
        self.assertEqual(body["result"]["items"][0]["amount_paid"], {"fen": 9900, "display": "¥99.00"})
        ticket = tickets[0]
        status, detail, _response = self.call("GET", f"/tickets/{ticket.id}", token=token)
        display = detail["result"]["display"]
        self.assertEqual(display["qr"], f"{ticket.token}~{display['code']}")
        self.assertEqual(len(display["code"]), 6)
        self.assertTrue(display["qr_image"].startswith("data:image/png;base64,"))
        receiver_token, _refresh, receiver = self.login("openid-receiver")
        self.assertError(self.call("GET", f"/tickets/{ticket.id}", token=receiver_token), 404, "not_found")
        self.assertError(self.call("POST", f"/tickets/{ticket.id}/transfer", token=receiver_token), 404, "not_found")
        status, transfer, _response = self.call("POST", f"/tickets/{ticket.id}/transfer", token=token)
        self.assertEqual(status, 200, transfer)
        claim_code = transfer["result"]["claim_code"]
        self.assertError(
            self.call("POST", "/tickets/claim", {"claim_code": claim_code}, token=token), 409, "own_ticket"
        )
        self.assertError(
            self.call("POST", "/tickets/claim", {"claim_code": "WRONG-CODE"}, token=receiver_token),
            404,
            "unknown_claim",
        )
        status, claimed, _response = self.call(
            "POST", "/tickets/claim", {"claim_code": claim_code}, token=receiver_token
        )
        self.assertEqual((status, claimed["result"]["id"], claimed["result"]["state"]), (200, ticket.id, "transferred"))
        self.assertEqual(ticket.partner_id, receiver)
        self.assertError(self.call("GET", f"/tickets/{ticket.id}", token=token), 404, "not_found")
        self.assertEqual(self.call("GET", f"/tickets/{ticket.id}", token=receiver_token)[0], 200)
        # The rotating QR the new holder shows is redeemable at the shop.
        code = self.call("GET", f"/tickets/{ticket.id}", token=receiver_token)[1]["result"]["display"]["qr"]
        redemption = self.env["city.ticket"].with_user(self.staff_a)._redeem_code(code)
        self.assertEqual(redemption.ticket_id, ticket)
        status, detail, _response = self.call("GET", f"/tickets/{ticket.id}", token=receiver_token)
        self.assertEqual((detail["result"]["state"], detail["result"]["display"]), ("redeemed", None))
        self.assertError(
            self.call("POST", f"/tickets/{ticket.id}/transfer", token=receiver_token), 409, "not_transferable"
        )

    def test_refund_by_policy(self):
        token, _refresh, holder = self.login("openid-refund")
        ticket = self._buy_tickets(self.voucher_a, member=holder)
        stranger = self.login("openid-refund-stranger")[0]
        self.assertError(self.call("POST", f"/tickets/{ticket.id}/refund", token=stranger), 404, "not_found")
        status, body, _response = self.call("POST", f"/tickets/{ticket.id}/refund", token=token)
        self.assertEqual((status, body["result"]["state"]), (200, "refunded"), body)
        self.assertEqual(ticket.settled_fen, 9900, "the paid amount goes back through the escrow")
        self.assertError(self.call("POST", f"/tickets/{ticket.id}/refund", token=token), 409, "not_refundable")
        self.voucher_b.product_tmpl_id.city_refund_policy = "no_refund"
        locked = self._buy_tickets(self.voucher_b, member=holder)
        self.assertError(self.call("POST", f"/tickets/{locked.id}/refund", token=token), 409, "not_refundable")
        self.assertEqual(locked.state, "issued")
