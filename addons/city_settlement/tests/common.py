# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base for modules that take payments: orders paid through Odoo's real flows.

Other modules' tests inherit :class:`CitySettlementCommon` and pay orders with
:meth:`_pay_order` (a ``payment.transaction`` done and post-processed) or
:meth:`_register_payment` (an invoice paid as an accountant would).
"""

import itertools
from contextlib import contextmanager
from unittest.mock import patch

from odoo import Command

from odoo.addons.city_base.tests.common import CityTestCommon

_tx_counter = itertools.count(1)


class CitySettlementCommon(CityTestCommon):
    @classmethod
    @contextmanager
    def _test_payment_method(cls):
        """Odoo's test provider (code ``none``) known as an electronic bank payment method for
        the block: its journal and payments need one, as in account_payment's tests."""
        PaymentMethod = cls.env.registry["account.payment.method"]
        original = PaymentMethod._get_payment_method_information

        def _get_payment_method_information(self):
            res = original(self)
            res["none"] = {"mode": "electronic", "type": ("bank",)}
            return res

        with patch.object(PaymentMethod, "_get_payment_method_information", _get_payment_method_information):
            yield

    @classmethod
    def _create_company_2(cls, name):
        """A second operator company with China's chart of accounts, among the test user's companies."""
        company = cls.env["res.company"].create(
            {"name": name, "currency_id": cls.currency.id, "country_id": cls.env.ref("base.cn").id}
        )
        cls.env["account.chart.template"].try_loading("cn", company=company, install_demo=False)
        cls.env.user.company_ids |= company
        return company

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.city_accounts = cls.company._city_get_accounts()
        payment_method = cls.env.ref("payment.payment_method_unknown")
        cls.city_provider = cls.env["payment.provider"].create(
            {
                "name": "City Test Provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "company_id": cls.company.id,
                "payment_method_ids": [Command.set(payment_method.ids)],
                "available_currency_ids": [Command.set(cls.currency.ids)],
            }
        )
        payment_method.write({"active": True})  # after a provider supports it, as Odoo's payment tests do
        cls.city_payment_method = payment_method
        cls.city_bank_journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        ) or cls.env["account.journal"].create(
            {"name": "City Test Bank", "code": "CTBNK", "type": "bank", "company_id": cls.company.id}
        )
        with cls._test_payment_method():
            if not cls.env["account.payment.method"].sudo().search([("code", "=", "none")], limit=1):
                cls.env["account.payment.method"].sudo().create(
                    {"name": "City test method", "code": "none", "payment_type": "inbound"}
                )
            cls.city_provider.journal_id = cls.city_bank_journal
        cls.member = cls.env["res.partner"].create({"name": "会员张三", "is_member": True})
        # Tests set their own split rules (demo data has some).
        cls.env["city.split.rule"].search([]).write({"active": False})
        # Demo data (of this module or of the modules built on it) may hold allocations not
        # yet posted: post them now, so that a test's batch entry holds its own lines only.
        Allocation = cls.env["city.settlement.allocation"]
        while Allocation._post_batch(company=cls.company):
            pass
        # Balances are measured on the journal items of the test only (demo data may hold others).
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move_line")
        cls.city_aml_watermark = cls.env.cr.fetchone()[0]

    # ------------------------------------------------------------
    # DATA HELPERS
    # ------------------------------------------------------------

    @classmethod
    def _create_merchant_product(cls, merchant, price, name=None, **vals):
        """A service product of ``merchant`` sold at ``price`` without taxes."""
        template = cls.env["product.template"].create(
            {
                "name": name or f"{merchant.name} 服务券",
                "type": "service",
                "list_price": price,
                "merchant_id": merchant.id,
                "taxes_id": [Command.clear()],
                "invoice_policy": "order",
                **vals,
            }
        )
        return template.product_variant_id

    @classmethod
    def _create_order(cls, member, products, confirm=True):
        """A sale order of ``member``; ``products`` is a product, a list of products or
        of ``(product, qty[, price])``."""
        if not isinstance(products, (list, tuple)):
            products = [products]
        lines = []
        for item in products:
            product, qty, price = (item, 1, None) if not isinstance(item, tuple) else ((*item, None))[:3]
            line = {"product_id": product.id, "product_uom_qty": qty, "tax_id": [Command.clear()]}
            if price is not None:
                line["price_unit"] = price
            lines.append(Command.create(line))
        order = cls.env["sale.order"].create({"partner_id": member.id, "order_line": lines})
        if confirm:
            order.action_confirm()
        return order

    # ------------------------------------------------------------
    # PAYMENTS
    # ------------------------------------------------------------

    @classmethod
    def _create_city_transaction(cls, order, amount=None, **vals):
        return (
            cls.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": cls.city_provider.id,
                    "payment_method_id": cls.city_payment_method.id,
                    "amount": order.amount_total if amount is None else amount,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_invoice_id.id,
                    "reference": f"CITY-TEST-{order.id}-{next(_tx_counter)}",
                    "operation": "online_redirect",
                    "sale_order_ids": [Command.set(order.ids)],
                    **vals,
                }
            )
        )

    @classmethod
    def _pay_order(cls, order, amount=None):
        """Pay ``order`` through a real ``payment.transaction``: done, then post-processed
        the way Odoo's payment tests do. Returns the transaction."""
        tx = cls._create_city_transaction(order, amount=amount)
        tx._set_done()
        tx._post_process()
        return tx

    @classmethod
    def _register_payment(cls, order):
        """Invoice ``order`` and register a payment paying the invoice in full, as an
        accountant would. Returns the invoice."""
        invoice = order._create_invoices()
        invoice.action_post()
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": invoice.invoice_date or invoice.date}
        )._create_payments()
        return invoice

    @classmethod
    def _create_paid_order(cls, member, products):
        order = cls._create_order(member, products)
        cls._pay_order(order)
        return order

    # ------------------------------------------------------------
    # ASSERTIONS
    # ------------------------------------------------------------

    def _account_balance(self, account, partner=None):
        """Credit-positive balance of an account (posted items of this test)."""
        domain = [
            ("account_id", "=", account.id),
            ("parent_state", "=", "posted"),
            ("id", ">", self.city_aml_watermark),
        ]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        lines = self.env["account.move.line"].search(domain)
        return round(sum(lines.mapped("credit")) - sum(lines.mapped("debit")), 2)

    def assertTrialBalanceBalances(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0)"
            " FROM account_move_line WHERE parent_state = 'posted'"
        )
        self.assertEqual(round(float(self.env.cr.fetchone()[0]), 2), 0.0, "the trial balance must balance")
