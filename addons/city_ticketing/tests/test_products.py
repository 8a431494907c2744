# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestTicketProducts(CityTicketingCommon):
    def test_ticket_products_are_storable_and_quota_shows_in_inventory(self):
        template = self.voucher_a.product_tmpl_id
        self.assertEqual(template.type, "consu")
        self.assertTrue(template.is_storable)
        self.assertEqual(self.voucher_a.qty_available, 100)
        template.city_quota = 120
        self.assertEqual(self.voucher_a.qty_available, 120)
        self._buy_tickets(self.voucher_a, 3)
        self.assertEqual(template.city_sold_qty, 3)
        self.assertEqual(template.city_remaining_qty, 117)
        self.voucher_a.invalidate_recordset()
        self.assertEqual(self.voucher_a.qty_available, 117, "issued tickets leave the ticket stock")

    def test_ticket_delivery_is_made_when_the_tickets_are_issued(self):
        template = self.voucher_a.product_tmpl_id
        order = self._create_order(self.member, [(self.voucher_a, 2)])
        self.assertEqual(template.city_sold_qty, 2, "the unpaid order holds its units of the quota")
        self.assertFalse(order.picking_ids, "no stock move before the tickets exist")
        self.assertEqual(self.voucher_a.virtual_available, 100)
        self._pay_order(order)
        self.assertEqual(len(order.city_ticket_ids), 2)
        picking = order.picking_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.picking_type_id.code, "outgoing")
        self.assertEqual(picking.move_ids.sale_line_id, order.order_line)
        self.assertEqual(order.order_line.qty_delivered, 2)
        self.voucher_a.invalidate_recordset()
        self.assertEqual(self.voucher_a.qty_available, 98)
        # a cancelled unpaid order gives its units back to the quota, with no stock to return
        unpaid = self._create_order(self.member, [(self.voucher_a, 3)])
        unpaid._action_cancel()
        self.assertFalse(unpaid.picking_ids)
        self.assertEqual(template.city_sold_qty, 2)

    def test_quota_never_oversells(self):
        template = self.voucher_a.product_tmpl_id
        template.city_quota = 2
        order = self._create_order(self.member, [(self.voucher_a, 2)])
        with self.assertRaisesRegex(UserError, "sold out"):
            self._create_order(self.member, [(self.voucher_a, 1)])
        self.assertEqual(template.city_sold_qty, 2)
        with self.assertRaises(UserError):
            template._city_apply_sync({"city_quota": 1})
        # A cancelled order gives its units back.
        order._action_cancel()
        self.assertEqual(template.city_sold_qty, 0)

    def test_price_tiers_by_date_and_sold_count(self):
        template = self.voucher_a.product_tmpl_id
        template.write(
            {
                "city_tier_ids": [
                    Command.create({"name": "前 2 名", "kind": "sold", "sold_limit": 2, "price": 59.0, "sequence": 1}),
                    Command.create(
                        {
                            "name": "早鸟",
                            "kind": "date",
                            "date_end": fields.Datetime.now() + timedelta(days=1),
                            "price": 79.0,
                            "sequence": 2,
                        }
                    ),
                ]
            }
        )
        self.assertEqual(template.city_current_price, 59.0)
        order = self._create_order(self.member, [(self.voucher_a, 2)])
        self.assertEqual(order.order_line.price_unit, 59.0)
        template.invalidate_recordset()
        self.assertEqual(template._city_get_price(), 79.0, "first 2 sold: the date tier applies")
        order = self._create_order(self.member, [(self.voucher_a, 1)], confirm=False)
        self.assertEqual(order.order_line.price_unit, 79.0)
        later = fields.Datetime.now() + timedelta(days=2)
        self.assertFalse(template._city_get_current_tier(date=later))
        with self.assertRaises(ValidationError):
            template.write({"city_tier_ids": [Command.create({"name": "x", "kind": "date", "price": 1})]})

    def test_combo_components_sync_the_split_rule(self):
        combo = self._create_ticket_product(
            self.merchant_a,
            200.0,
            name="烧烤+精酿套餐",
            city_is_combo=True,
            city_component_ids=[
                Command.create({"name": "烧烤双人餐", "merchant_id": self.merchant_a.id, "weight": 3}),
                Command.create({"name": "精酿两杯", "merchant_id": self.merchant_b.id, "weight": 1}),
            ],
        )
        rules = self.env["city.split.rule"].search([("product_tmpl_id", "=", combo.product_tmpl_id.id)])
        self.assertTrue(rules, "a combo has its combo-weights rule in city_settlement")
        with self.assertRaises(ValidationError):
            self._create_ticket_product(
                self.merchant_a,
                10.0,
                city_is_combo=True,
                city_component_ids=[Command.create({"name": "x", "merchant_id": self.merchant_a.id})],
            )

    def test_appointment_slots_never_overbook(self):
        start = fields.Datetime.now() + timedelta(days=1)
        template = self._create_ticket_product(
            self.merchant_a,
            30.0,
            name="周末亲子课",
            city_ticket_type="appointment",
            city_slot_ids=[
                Command.create({"date_begin": start, "date_end": start + timedelta(hours=1), "capacity": 2})
            ],
        ).product_tmpl_id
        slot = template.city_slot_ids
        order = self._create_order(self.member, [(template.product_variant_id, 2)], confirm=False)
        order.order_line.city_slot_id = slot
        order.action_confirm()
        self.assertEqual(slot.booked_qty, 2)
        order2 = self._create_order(self.member, [(template.product_variant_id, 1)], confirm=False)
        order2.order_line.city_slot_id = slot
        with self.assertRaisesRegex(UserError, "fully booked"):
            order2.action_confirm()
        self._pay_order(order)
        self.assertEqual(order.city_ticket_ids.mapped("valid_from"), [slot.date_begin] * 2)

    def test_event_ticket_registers_attendee(self):
        event = self.env["event.event"].create(
            {
                "name": "商圈音乐节",
                "date_begin": fields.Datetime.now() + timedelta(days=3),
                "date_end": fields.Datetime.now() + timedelta(days=4),
            }
        )
        product = self._create_ticket_product(
            self.merchant_a, 180.0, name="音乐节门票", city_ticket_type="event", city_event_id=event.id
        )
        ticket = self._buy_tickets(product)
        self.assertEqual(ticket.event_registration_id.event_id, event)
        self.assertEqual(ticket.valid_to, event.date_end)
        with self.assertRaises(ValidationError):
            self._create_ticket_product(self.merchant_a, 1.0, city_ticket_type="event")
