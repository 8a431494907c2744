# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Money between parties in service-provider mode (issue #11, item 4): points and
coupons between sub-merchants are settled outside WeChat Pay, by invoice."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.city_settlement.tests.common import CitySettlementCommon


@tagged("post_install", "-at_install")
class TestMoneySettledOutsideWechatpay(CitySettlementCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.merchant_a.wechatpay_sub_mchid = "1900000801"
        cls.merchant_b.wechatpay_sub_mchid = "1900000802"
        cls.merchant_c = cls._create_merchant("直连书店C", cls.category_tea, 30.2590, 120.1480)
        (cls.merchant_a | cls.merchant_c).city_settlement_cycle = "realtime"
        cls.outside = cls.company._city_get_accounts()["city_wechatpay_outside_account_id"]
        Allocation = cls.env["city.settlement.allocation"]
        # A's coupon (满30减30) funded by B; points issued by A, accepted by B; the same coupon at C (direct)
        cls.coupon = Allocation._book_coupon(cls.merchant_a, 30.0, "city.coupon.issue,9001", [(cls.merchant_b, 1)])
        cls.points = Allocation._book_points(cls.merchant_a, 5.0, "issue", "city.points.booking,9002")
        cls.points |= Allocation._book_points(cls.merchant_b, 12.34, "redeem", "city.points.booking,9003")
        cls.direct = Allocation._book_coupon(cls.merchant_c, 8.0, "city.coupon.issue,9004", [(cls.merchant_b, 1)])
        # the same kind of booking in another operator company: its own books, never invoiced here
        cls.company_2 = cls.env["res.company"].create({"name": "第二运营公司"})
        cls.other = Allocation._book_coupon(
            cls.merchant_a, 6.0, "city.coupon.issue,9005", [(cls.merchant_b, 1)], company=cls.company_2
        )
        for company in (cls.company, cls.company_2):
            while Allocation._post_batch(company=company):
                pass

    def test_points_and_coupons_invoiced_between_merchant_and_operator(self):
        lines = self.coupon | self.points
        self.assertEqual(set(lines.mapped("wechatpay_route")), {"outside"})
        self.assertEqual(lines.account_id, self.outside)
        c_line = self.direct.filtered(lambda ln: ln.merchant_id == self.merchant_c)
        self.assertFalse(c_line.wechatpay_route, "a direct-mode merchant keeps its payable")
        self.assertEqual(c_line.account_id, self.city_accounts["city_merchant_payable_account_id"])
        # not on the profit-sharing statements; the direct-mode merchant's statement is unchanged
        settlements = self.env["city.settlement"]._run_settlements(merchants=self.merchant_a | self.merchant_c)
        self.assertEqual(settlements.merchant_id, self.merchant_c)
        self.assertEqual(settlements.closing_balance, 8.0)
        self.assertEqual(self._account_balance(self.outside, self.merchant_a), 25.0)  # 30.00 − 5.00 owed to A
        self.assertEqual(self._account_balance(self.outside, self.merchant_b), -25.66)  # −30.00 − 8.00 + 12.34

        invoices = self.env["city.settlement.allocation"]._wechatpay_invoice_outside(company=self.company)
        by_merchant = {inv.partner_id: inv for inv in invoices}
        bill, invoice = by_merchant[self.merchant_a], by_merchant[self.merchant_b]
        self.assertEqual((bill.move_type, bill.state, bill.amount_total), ("in_invoice", "posted", 25.0))
        self.assertEqual((invoice.move_type, invoice.state, invoice.amount_total), ("out_invoice", "posted", 25.66))
        self.assertEqual(sorted(invoice.invoice_line_ids.mapped("price_unit")), [-12.34, 38.0])
        for merchant in (self.merchant_a, self.merchant_b):
            self.assertEqual(self._account_balance(self.outside, merchant), 0.0)
        self.assertEqual(
            self._account_balance(
                bill.line_ids.account_id.filtered(lambda a: a.account_type == "liability_payable"), self.merchant_a
            ),
            25.0,
        )
        self.assertEqual(
            set((lines | self.direct.filtered("wechatpay_route")).mapped("wechatpay_invoice_id")), set(invoices)
        )
        self.assertFalse(self.env["city.settlement.allocation"]._wechatpay_invoice_outside(company=self.company))
        self.assertEqual(self.other.account_id.company_ids, self.company_2)
        self.assertTrue(self.other.move_id)
        self.assertFalse(self.other.wechatpay_invoice_id, "another company's lines are invoiced in their company")
        self.assertTrialBalanceBalances()
