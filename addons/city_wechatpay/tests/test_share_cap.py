# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The profit-sharing cap checked when a split rule is saved, at every level that can apply
to a service-provider-mode merchant: merchant, product, category and company default."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.city_settlement.tests.common import CitySettlementCommon


@tagged("post_install", "-at_install")
class TestShareCap(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.merchant_a.write({"wechatpay_sub_mchid": "1900000771"})  # partner mode, default cap 30 %
        cls.merchant_b.write({"wechatpay_sub_mchid": "1900000772", "wechatpay_max_share_percent": 20.0})
        cls.categ = cls.env["product.category"].create({"name": "分账上限测试"})
        cls.sub_categ = cls.env["product.category"].create({"name": "子类", "parent_id": cls.categ.id})
        cls.product_a = cls._create_merchant_product(cls.merchant_a, 10.0, categ_id=cls.sub_categ.id)
        cls.product_b = cls._create_merchant_product(cls.merchant_b, 10.0, categ_id=cls.categ.id)
        cls.Rule = cls.env["city.split.rule"]

    def _rule(self, percent, **scope):
        return self.Rule.create({"name": "上限", "mode": "fee", "platform_fee_percent": percent, **scope})

    def test_merchant_and_product_level(self):
        with self.assertRaisesRegex(ValidationError, "测试茶饮A.*30"):
            self._rule(31.0, merchant_id=self.merchant_a.id)
        with self.assertRaisesRegex(ValidationError, "测试健身B.*20"):
            self._rule(25.0, product_tmpl_id=self.product_b.product_tmpl_id.id)
        self._rule(30.0, merchant_id=self.merchant_a.id)

    def test_category_level(self):
        """A category rule applies to the merchants selling in it or a sub-category."""
        with self.assertRaisesRegex(ValidationError, r"测试健身B \(20%\)") as caught:
            self._rule(25.0, categ_id=self.categ.id)
        self.assertNotIn("测试茶饮A", str(caught.exception), "25 % is within A's 30 %")
        with self.assertRaisesRegex(ValidationError, r"测试茶饮A \(30%\)"):
            self._rule(35.0, categ_id=self.sub_categ.id)
        rule = self._rule(25.0, categ_id=self.sub_categ.id)  # only A sells in the sub-category
        with self.assertRaisesRegex(ValidationError, "测试健身B"):
            rule.categ_id = self.categ

    def test_company_level(self):
        """A company default applies to every partner-mode merchant of the company; a direct-mode
        merchant (no sub-merchant id) is not capped."""
        with self.assertRaisesRegex(ValidationError, r"测试健身B \(20%\), 测试茶饮A \(30%\)|测试茶饮A.*测试健身B"):
            self._rule(40.0)
        rule = self._rule(20.0)
        with self.assertRaisesRegex(ValidationError, "测试健身B"):
            rule.platform_fee_percent = 21.0
        rule.active = False
        self._rule(40.0, active=False)  # archived rules apply to nobody
        self.merchant_b.wechatpay_sub_mchid = False
        self.merchant_a.wechatpay_max_share_percent = 50.0
        self._rule(40.0)

    def test_message_translated(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        with self.assertRaisesRegex(ValidationError, "分账比例上限"):
            self.Rule.with_context(lang="zh_CN").create({"name": "上限", "mode": "fee", "platform_fee_percent": 40.0})
