# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Orders: idempotent creation, sold out, cancel, list, detail, another member's orders."""

from odoo.tests import tagged

from .common import MiniProgramCommon


@tagged("post_install", "-at_install")
class TestOrders(MiniProgramCommon):
    def setUp(self):
        super().setUp()
        self.token, _refresh, self.buyer = self.login("openid-buyer")
        self.template = self.voucher_a.product_tmpl_id

    def order(self, items, key="k-1", token=None):
        headers = {"Idempotency-Key": key} if key else {}
        return self.call("POST", "/orders", {"items": items}, token=token or self.token, headers=headers)

    def test_create_is_idempotent(self):
        status, body, _response = self.order([{"product_id": self.template.id, "quantity": 2}])
        self.assertEqual(status, 200, body)
        result = body["result"]
        self.assertEqual((result["state"], result["replayed"]), ("unpaid", False))
        self.assertEqual(result["amount"], {"fen": 19800, "display": "¥198.00"})
        self.assertEqual(result["lines"][0]["unit_price"]["fen"], 9900)
        self.assertEqual(self.template.city_sold_qty, 2, "the quota is taken by city_ticketing's path")
        order = self.env["sale.order"].browse(result["id"])
        self.assertEqual((order.partner_id, order.state), (self.buyer, "sale"))
        # the lean path: no chatter, the member not a follower, no stock move before payment
        self.assertEqual((order.partner_invoice_id, order.partner_shipping_id), (self.buyer, self.buyer))
        self.assertNotIn(self.buyer, order.message_partner_ids)
        self.assertFalse(order.message_ids)
        self.assertFalse(order.picking_ids)
        team = self.env.ref("city_miniprogram_api.crm_team_miniprogram")
        self.assertEqual((order.team_id, order.user_id), (team, self.env["res.users"]), "the mini-program's channel")
        status, again, _response = self.order([{"product_id": self.template.id, "quantity": 2}])
        self.assertEqual((status, again["result"]["id"], again["result"]["replayed"]), (200, order.id, True))
        self.assertEqual(self.template.city_sold_qty, 2)
        self.assertError(self.order([{"product_id": self.template.id, "quantity": 1}]), 409, "idempotency_conflict")
        # The same key of another member is another order.
        other_token = self.login("openid-other")[0]
        status, other, _response = self.order([{"product_id": self.template.id, "quantity": 1}], token=other_token)
        self.assertNotEqual(other["result"]["id"], order.id)

    def test_refusals(self):
        self.template.city_quota = 1
        self.assertError(self.order([{"product_id": self.template.id, "quantity": 2}]), 409, "sold_out")
        self.assertEqual(self.template.city_sold_qty, 0)
        self.assertFalse(
            self.env["city.mp.order.key"].sudo().search([("partner_id", "=", self.buyer.id)]),
            "a refused order keeps no key: the same key may be retried",
        )
        self.assertError(self.order([{"product_id": self.template.id}], key=None), 400, "invalid_idempotency_key")
        self.assertError(self.order([{"product_id": self.template.id}], key="k" * 129), 400, "invalid_idempotency_key")
        self.assertError(self.order([{"product_id": 99999999}]), 404, "not_found")
        self.assertError(self.order([{"product_id": self.template.id, "quantity": 0}]), 400, "invalid_quantity")
        self.assertError(self.order([{"product_id": "1"}]), 400, "invalid_product")
        self.assertError(self.order([]), 400, "invalid_items")
        self.assertError(self.order([{"product_id": self.template.id, "slot_id": 99999999}]), 404, "not_found")
        self.assertError(
            self.call(
                "POST", "/orders", {"items": [{"product_id": self.template.id}]}, headers={"Idempotency-Key": "x"}
            ),
            401,
            "unauthorized",
        )

    def test_cancel_list_detail_and_other_members(self):
        _status, body, _response = self.order([{"product_id": self.template.id, "quantity": 3}])
        order_id = body["result"]["id"]
        status, listing, _response = self.call("GET", "/orders?limit=5", token=self.token)
        self.assertEqual((status, [o["id"] for o in listing["result"]["items"]]), (200, [order_id]))
        status, detail, _response = self.call("GET", f"/orders/{order_id}", token=self.token)
        self.assertEqual(detail["result"]["lines"][0]["quantity"], 3)
        other_token = self.login("openid-stranger")[0]
        self.assertError(self.call("GET", f"/orders/{order_id}", token=other_token), 404, "not_found")
        self.assertError(self.call("POST", f"/orders/{order_id}/cancel", token=other_token), 404, "not_found")
        self.assertEqual(self.call("GET", "/orders", token=other_token)[1]["result"]["total"], 0)
        status, cancelled, _response = self.call("POST", f"/orders/{order_id}/cancel", token=self.token)
        self.assertEqual((status, cancelled["result"]["state"]), (200, "cancelled"), cancelled)
        self.assertEqual(self.template.city_sold_qty, 0, "the quota is given back")
        self.assertError(self.call("POST", f"/orders/{order_id}/cancel", token=self.token), 409, "already_cancelled")

    def test_paid_order_cannot_be_cancelled(self):
        _status, body, _response = self.order([{"product_id": self.template.id}])
        order = self.env["sale.order"].browse(body["result"]["id"])
        self._pay_order(order)
        _status, detail, _response = self.call("GET", f"/orders/{order.id}", token=self.token)
        self.assertEqual(detail["result"]["state"], "paid")
        self.assertEqual(len(detail["result"]["ticket_ids"]), 1)
        self.assertError(self.call("POST", f"/orders/{order.id}/cancel", token=self.token), 409, "already_paid")
