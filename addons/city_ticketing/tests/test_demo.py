# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo data as a newcomer sees it: orders paid through payment transactions of
Odoo's demo provider, and a channel bill that reconciles with them."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    def test_demo_orders_are_paid_by_transactions_and_reconcile(self):
        self.assertTrue(
            self.env["ir.module.module"].search([("name", "=", "city_ticketing"), ("demo", "=", True)]),
            "the test database is built with demo data",
        )
        provider = self.env.ref("payment.payment_provider_demo")
        # city_dashboard's demo adds weeks of generated history (origin city_dashboard.history):
        # reporting rows without payments, left out here.
        demo_orders = self.env["sale.order"].search(
            [("city_paid_date", "!=", False), ("origin", "!=", "city_dashboard.history")]
        )
        self.assertTrue(demo_orders)
        for order in demo_orders:
            with self.subTest(order=order.name):
                tx = order.invoice_ids.transaction_ids.filtered(lambda t: t.state == "done")
                self.assertEqual(tx.provider_id, provider, "paid through the demo provider")
                self.assertEqual(tx.amount, order.amount_total)
                self.assertTrue(tx.payment_id, "Odoo's post-processing created the payment")
                self.assertIn(order.invoice_ids.payment_state, ("paid", "in_payment"))
        self.assertTrue(demo_orders.city_ticket_ids, "the ticket orders issued their tickets")
        runs = self.env["city.reconciliation"].search([("provider_id", "=", provider.id)])
        self.assertTrue(runs, "the demo bill was reconciled")
        bill_lines = self.env["city.payment.bill.line"].search([("bill_id.provider_id", "=", provider.id)])
        self.assertEqual(
            set(bill_lines.mapped("reference")),
            set(demo_orders.invoice_ids.transaction_ids.mapped("reference")),
            "the bill holds every demo payment",
        )
        for run in runs:
            with self.subTest(run=run.name):
                self.assertEqual(run.difference_count, 0, run.difference_ids.mapped("cause"))
                run.action_reconcile()  # again, now: still nothing unexplained
                self.assertEqual(run.difference_count, 0, run.difference_ids.mapped("cause"))
        self.assertEqual(sum(runs.mapped("matched_count")), len(set(bill_lines.mapped("reference"))))
        self.assertEqual(set(bill_lines.mapped("match_state")), {"matched"})
        self.assertEqual(bill_lines.transaction_id, demo_orders.invoice_ids.transaction_ids)
