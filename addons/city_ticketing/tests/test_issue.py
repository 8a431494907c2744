# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import Command
from odoo.tests import tagged

from odoo.addons.city_base.tools import tokens

from ..models.city_ticket import ROTATING_PURPOSE, TOKEN_PURPOSE
from ..tools import codes
from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestIssue(CityTicketingCommon):
    def test_paid_order_issues_one_ticket_per_unit(self):
        order = self._create_order(self.member, [(self.voucher_a, 3, 33.34)])
        self.assertFalse(order.city_ticket_ids, "nothing is issued before payment")
        self._pay_order(order)
        tickets = order.city_ticket_ids
        self.assertEqual(len(tickets), 3)
        self.assertEqual(set(tickets.mapped("state")), {"issued"})
        self.assertEqual(tickets.partner_id, self.member)
        self.assertEqual(tickets.merchant_id, self.merchant_a)
        escrow = order.order_line.city_escrow_ids
        self.assertEqual(tickets.escrow_id, escrow)
        self.assertEqual(sum(tickets.mapped("paid_fen")), 10002, "the escrow is shared cent-exactly")
        self.assertEqual(sorted(tickets.mapped("paid_fen")), [3334, 3334, 3334])
        self.assertTrue(all(t.valid_to for t in tickets), "30 days of validity")
        # Paying again (a repeated notice) issues nothing more.
        order._city_issue_tickets()
        self.assertEqual(len(order.city_ticket_ids), 3)

    def test_codes_token_rotating_code_and_qr(self):
        ticket = self._buy_tickets(self.voucher_a)
        self.assertTrue(codes.damm_valid(ticket.manual_code))
        self.assertEqual(len(ticket.manual_code), codes.MANUAL_DIGITS + 1)
        payload = self.env["city.token.service"]._verify_token(TOKEN_PURPOSE, ticket.token)
        self.assertEqual(payload, {"t": ticket.id, "v": 1})
        self.assertTrue(ticket.qr_image)
        display = ticket._get_rotating_code(now=1_000_000)
        key = self.env["city.token.service"]._get_purpose_key(ROTATING_PURPOSE)
        self.assertTrue(tokens.check_rotating_code(key, ticket.token, display["code"], step=30, now=1_000_000))
        self.assertEqual(display["qr"], f"{ticket.token}~{display['code']}")
        self.assertNotEqual(ticket._get_rotating_code(now=1_000_000 + 300)["code"], display["code"])
        api_shape = ticket._to_api()
        self.assertEqual((api_shape["state"], api_shape["uses_left"], api_shape["amount_paid"]), ("issued", 1, 99.0))
        self.assertEqual(api_shape["merchant"]["id"], self.merchant_a.id)

    def test_combo_issues_one_ticket_per_component_linked_to_its_escrow(self):
        combo = self._create_ticket_product(
            self.merchant_a,
            100.0,
            name="烧烤+精酿套餐",
            city_is_combo=True,
            city_component_ids=[
                Command.create({"name": "烧烤双人餐", "merchant_id": self.merchant_a.id, "weight": 2}),
                Command.create({"name": "精酿两杯", "merchant_id": self.merchant_b.id, "weight": 1}),
            ],
        )
        tickets = self._buy_tickets(combo, 2)
        self.assertEqual(len(tickets), 4)
        by_merchant = {
            m: tickets.filtered(lambda t, m=m: t.merchant_id == m) for m in (self.merchant_a, self.merchant_b)
        }
        self.assertEqual(len(by_merchant[self.merchant_a]), 2)
        for merchant, part in by_merchant.items():
            key = part.mapped("component_key")[0]
            escrow = part.escrow_id
            self.assertEqual(len(escrow), 1)
            self.assertEqual(escrow.merchant_id, merchant)
            self.assertEqual(escrow.component_key, key)
            self.assertEqual(sum(part.mapped("paid_fen")), round(escrow.amount_paid * 100))
        self.assertEqual(sum(tickets.mapped("paid_fen")), 20000)

    def test_ticket_pdf_shows_qr_merchant_validity_terms(self):
        self.voucher_a.city_terms = "周一至周五可用"
        ticket = self._buy_tickets(self.voucher_a)
        html, _type = self.env["ir.actions.report"]._render_qweb_html("city_ticketing.report_city_ticket", ticket.ids)
        html = html.decode()
        for text in (ticket.manual_code, self.merchant_a.name, "周一至周五可用", "data:image/png;base64"):
            self.assertIn(text, html)
        self.assertTrue(ticket.action_print())
