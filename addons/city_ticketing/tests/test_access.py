# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestTicketAccess(CityTicketingCommon):
    def test_merchant_users_see_only_their_tickets(self):
        ticket_a = self._buy_tickets(self.voucher_a)
        ticket_b = self._buy_tickets(self.voucher_b)
        for user in (self.staff_a, self.manager_a):
            self.assertMerchantIsolation(ticket_a, ticket_b, user_a=user, write_vals={"state": "redeemed"})
        self.env["city.ticket"]._redeem_code(ticket_a.token, merchant=self.merchant_a)
        self.env["city.ticket"]._redeem_code(ticket_b.token, merchant=self.merchant_b)
        self.assertMerchantIsolation(ticket_a.redemption_ids, ticket_b.redemption_ids)
        self.assertMerchantIsolation(ticket_a, ticket_b, platform_user=self.accountant)

    def test_transfers_and_sync_requests_follow_the_pattern(self):
        ticket_a = self._buy_tickets(self.voucher_a)
        ticket_b = self._buy_tickets(self.voucher_b)
        for ticket in (ticket_a, ticket_b):
            self.env["city.ticket"]._claim(ticket._create_claim_code(), self.member_2)
        self.assertMerchantIsolation(ticket_a.transfer_ids, ticket_b.transfer_ids)
        sync = self.env["city.ticket.sync.request"]
        sync.with_user(self.manager_a)._sync([{"product_id": self.voucher_a.product_tmpl_id.id, "quota": 50}], "k1")
        sync.with_user(self.manager_b)._sync([{"product_id": self.voucher_b.product_tmpl_id.id, "quota": 50}], "k1")
        requests_a = sync.search([("merchant_id", "=", self.merchant_a.id)])
        requests_b = sync.search([("merchant_id", "=", self.merchant_b.id)])
        self.assertMerchantIsolation(requests_a, requests_b)

    def test_merchant_manager_publishes_voucher_with_quota_and_tiers(self):
        template = (
            self.env["product.template"]
            .with_user(self.manager_a)
            .create(
                {
                    "name": "下午茶套餐",
                    "city_ticket_type": "voucher",
                    "list_price": 68,
                    "city_quota": 30,
                    "city_tier_ids": [(0, 0, {"name": "前 10 名", "kind": "sold", "sold_limit": 10, "price": 48})],
                }
            )
        )
        self.assertEqual(template.merchant_id, self.merchant_a)
        self.assertEqual(template.city_current_price, 48)
        self.assertEqual(template.sudo().product_variant_id.qty_available, 30)
        template.with_user(self.manager_a).city_quota = 40
        with self.assertRaises(AccessError):
            self.voucher_b.product_tmpl_id.with_user(self.manager_a).write({"city_quota": 1})
        tier_b = self.env["city.ticket.price.tier"].create(
            {
                "product_tmpl_id": self.voucher_b.product_tmpl_id.id,
                "name": "b",
                "kind": "sold",
                "sold_limit": 1,
                "price": 1,
            }
        )
        self.assertMerchantIsolation(template.city_tier_ids, tier_b, write_vals={"price": 0})
