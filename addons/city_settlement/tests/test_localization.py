# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The operator is a company in China: books in CNY on the Chinese chart, prices in CNY.

The databases of the suite (tests, benchmarks, demo server) make the main company
Chinese before Odoo's modules are installed (scripts/lib.sh, make_company_chinese).
"""

from odoo.tests import tagged

from .common import CitySettlementCommon


@tagged("post_install", "-at_install")
class TestChineseCompany(CitySettlementCommon):
    def test_main_company_is_chinese(self):
        company = self.env.ref("base.main_company")
        self.assertEqual(self.company, company, "the suite's users work in the main company")
        self.assertEqual(company.currency_id, self.env.ref("base.CNY"))
        self.assertEqual(company.country_id, self.env.ref("base.cn"))
        self.assertEqual(company.account_fiscal_country_id, self.env.ref("base.cn"))
        self.assertEqual(company.chart_template, "cn", "the Chinese chart of accounts (l10n_cn)")
        journals = self.env["account.journal"].search([("company_id", "=", company.id)])
        self.assertEqual(journals.currency_id - company.currency_id, self.env["res.currency"])

    def test_every_pricelist_in_cny(self):
        pricelists = self.env["product.pricelist"].with_context(active_test=False).search([])
        self.assertEqual(pricelists.currency_id - self.env.ref("base.CNY"), self.env["res.currency"])

    def test_member_pays_the_listed_price_in_cny(self):
        product = self._create_merchant_product(self.merchant_a, 99.0)
        self.assertEqual(product.currency_id, self.env.ref("base.CNY"))
        order = self._create_order(self.member, product)
        self.assertEqual(order.currency_id, self.env.ref("base.CNY"))
        self.assertEqual(order.amount_total, 99.0)
        tx = self._pay_order(order)
        self.assertEqual((tx.amount, tx.currency_id.name), (99.0, "CNY"))
        self.assertEqual(order.city_escrow_ids.currency_id, self.env.ref("base.CNY"))
        self.assertEqual(sum(order.city_escrow_ids.mapped("amount_paid")), 99.0)

    def test_pricelist_feature_prices_in_cny(self):
        """Turning pricelists on creates the company's default pricelist in CNY."""
        self.env.user.groups_id += self.env.ref("product.group_product_pricelist")
        self.company._activate_or_create_pricelists()
        pricelist = self.env["product.pricelist"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual(pricelist.currency_id, self.env.ref("base.CNY"))
        order = self._create_order(self.member, self._create_merchant_product(self.merchant_b, 99.0), confirm=False)
        self.assertEqual(order.pricelist_id, pricelist)
        self.assertEqual((order.currency_id.name, order.amount_total), ("CNY", 99.0))
