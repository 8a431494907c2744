# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own users keep working once the suite is installed.

A Sales user or a Billing user of Odoo has none of the suite's groups: the fields the
suite adds to orders, order lines, products and journal items must not stop them from
opening, confirming, cancelling and invoicing orders (scripts/test-odoo.sh runs Odoo's
own tests of these modules with the suite installed).
"""

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestOdooUsers(CityTicketingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="city_odoo_salesman", groups="base.group_user,sales_team.group_sale_salesman"
        )
        cls.billing_user = new_test_user(
            cls.env, login="city_odoo_billing", groups="base.group_user,account.group_account_invoice"
        )
        cls.wrapping = cls.env["product.product"].create(
            {
                "name": "Gift wrapping",
                "type": "consu",
                "list_price": 10.0,
                "taxes_id": [Command.clear()],
                "invoice_policy": "order",
            }
        )

    def _assert_no_city_group(self, user):
        city_groups = user.groups_id.filtered(lambda g: g.get_external_id()[g.id].startswith("city_"))
        self.assertFalse(city_groups, f"{user.login} must have none of the suite's groups")

    def _quotation_as_salesman(self):
        """A quotation entered by the Sales user through the quotation form."""
        with Form(self.env["sale.order"].with_user(self.salesman)) as form:
            form.partner_id = self.member
            with form.order_line.new() as line:
                line.product_id = self.wrapping
                line.product_uom_qty = 2
            with form.order_line.new() as line:
                line.product_id = self.voucher_a
                line.product_uom_qty = 1
        return form.record

    def test_sales_user_creates_confirms_and_invoices_an_order(self):
        self._assert_no_city_group(self.salesman)
        self._assert_no_city_group(self.billing_user)
        quota_before = self.voucher_a.product_tmpl_id.city_sold_qty
        order = self._quotation_as_salesman()
        self.assertEqual(order.amount_total, 2 * 10.0 + 99.0)
        # Reading every field of the order, its lines and its products, as Odoo's own
        # access-rights tests do: the suite's fields are not among them.
        values = order.read()[0]
        self.assertNotIn("city_escrow_ids", values)
        self.assertNotIn("city_ticket_ids", values)
        self.assertNotIn("city_ticket_count", values)
        self.assertNotIn("city_escrow_ids", order.order_line.fields_get())
        product_values = order.order_line.product_template_id.read()
        self.assertNotIn("city_ticket_count", product_values[0])

        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self.voucher_a.product_tmpl_id.city_sold_qty, quota_before + 1, "the quota is taken")

        invoice = order._create_invoices()
        self.assertEqual(invoice.amount_total, 119.0)
        self.assertEqual(order.invoice_status, "invoiced")

        # Odoo's billing user posts the invoice and registers its payment: the order is paid.
        invoice = invoice.with_user(self.billing_user)
        invoice.action_post()
        self.env["account.payment.register"].with_user(self.billing_user).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": invoice.invoice_date})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        order_sudo = order.sudo()
        self.assertTrue(order_sudo.city_paid_date, "the order paid event fired")
        self.assertEqual(len(order_sudo.city_ticket_ids), 1, "the ticket is issued")
        self.assertEqual(order_sudo.city_escrow_ids.merchant_id, self.merchant_a, "only the voucher is in escrow")

        # The paid order, its invoice and journal items stay readable by Odoo's users.
        order.invalidate_recordset()
        order.read()
        Form(order).save()
        # (Odoo's own journal items hold fields a billing user may not read, e.g. valuation layers.)
        self.assertNotIn("city_allocation_ids", invoice.line_ids.fields_get())
        invoice.line_ids.read(["account_id", "debit", "credit", "city_merchant_id"])
        self.assertEqual(self.env["sale.order"].with_user(self.salesman).search([("id", "=", order.id)]), order)

    def test_sales_user_cancels_a_confirmed_order(self):
        quota_before = self.voucher_a.product_tmpl_id.city_sold_qty
        order = self._quotation_as_salesman()
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(self.voucher_a.product_tmpl_id.city_sold_qty, quota_before, "the quota is given back")

    def test_sales_user_opens_orders_and_products(self):
        paid = self._create_paid_order(self.member, [(self.voucher_a, 1), (self.wrapping, 1)])
        self.assertTrue(paid.city_ticket_ids)
        paid.user_id = self.salesman
        form = Form(paid.with_user(self.salesman))
        self.assertEqual(form.partner_id, self.member)
        self.assertEqual(len(form.order_line), 2)
        product_form = Form(self.voucher_a.product_tmpl_id.with_user(self.salesman))
        self.assertEqual(product_form.city_ticket_type, "voucher")
