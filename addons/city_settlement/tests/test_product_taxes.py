# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Merchant products are sold without sale tax, whatever the company's default tax."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CitySettlementCommon


@tagged("post_install", "-at_install")
class TestMerchantProductTaxes(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sale_tax = cls.company.account_sale_tax_id
        if not cls.sale_tax:
            # The Chinese chart sets a default 13% sale tax; make sure there is one whatever the chart.
            cls.sale_tax = cls.env["account.tax"].create({"name": "增值税 13%", "amount": 13, "type_tax_use": "sale"})
            cls.company.account_sale_tax_id = cls.sale_tax

    def test_platform_product_keeps_the_default_tax(self):
        form = Form(self.env["product.template"].with_user(self.operator))
        form.name = "平台服务费"
        form.list_price = 10.0
        self.assertIn(self.sale_tax, form.save().taxes_id)

    def test_merchant_manager_creates_product_without_tax(self):
        form = Form(self.env["product.template"].with_user(self.manager_a))
        self.assertEqual(form.merchant_id, self.merchant_a)
        self.assertFalse(form.taxes_id, "no sale tax proposed to a merchant")
        form.name = "双人下午茶券"
        form.type = "service"
        form.list_price = 99.0
        template = form.save()
        self.assertEqual(template.merchant_id, self.merchant_a)
        self.assertFalse(template.taxes_id)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.member.id,
                "order_line": [Command.create({"product_id": template.product_variant_id.id})],
            }
        )
        self.assertEqual((order.amount_tax, order.amount_total), (0.0, 99.0), "the member pays the listed price")

    def test_operator_sets_merchant_clears_tax(self):
        form = Form(self.env["product.template"].with_user(self.operator))
        form.name = "健身体验课"
        self.assertIn(self.sale_tax, form.taxes_id[:])
        form.merchant_id = self.merchant_b
        self.assertFalse(form.taxes_id)
        self.assertFalse(form.save().taxes_id)

    def test_created_in_code_without_tax(self):
        product = self.env["product.product"].create(
            {"name": "美甲券", "list_price": 59.0, "merchant_id": self.merchant_a.id}
        )
        self.assertFalse(product.taxes_id)
        staff_product = self.env["product.template"].with_user(self.manager_a).create({"name": "奶茶券"})
        self.assertFalse(staff_product.taxes_id)

    def test_explicit_tax_refused(self):
        with self.assertRaisesRegex(ValidationError, "without sales tax"):
            self.env["product.template"].create(
                {"name": "含税券", "merchant_id": self.merchant_a.id, "taxes_id": [Command.set(self.sale_tax.ids)]}
            )
        template = self._create_merchant_product(self.merchant_a, 88.0).product_tmpl_id
        with self.assertRaisesRegex(ValidationError, "without sales tax"):
            template.write({"taxes_id": [Command.set(self.sale_tax.ids)]})
        platform = self.env["product.template"].create({"name": "平台商品"})
        self.assertIn(self.sale_tax, platform.taxes_id)
        with self.assertRaisesRegex(ValidationError, "without sales tax"):
            platform.write({"merchant_id": self.merchant_b.id})
