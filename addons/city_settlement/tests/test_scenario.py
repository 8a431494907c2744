# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue #3's scenario: a ¥199 three-shop package, two shops redeem, the third part expires.

Hand-computed figures (rule: combo weights nail 5 : gym 3 : bookshop 2, platform
10 %, channel fee 0.6 %, expiry policy 过期自动退 = refund to the member):

==============  ========  ===========  ==========  ========  =========
component       escrow    channel fee  platform    merchant  refund
==============  ========  ===========  ==========  ========  =========
nail salon       99.50       0.60         9.95       88.95
gym              59.70       0.36         5.97       53.37
bookshop         39.80                                        39.80
total           199.00       0.96        15.92      142.32    39.80
==============  ========  ===========  ==========  ========  =========

Channel fee of the nail part: 9950 fen × 0.6 % = 59.7 fen; platform 995 fen;
merchant 8895.3 fen. Floors 59 + 995 + 8895 = 9949, the 1 fen left goes to the
largest remainder (0.7, the channel fee): 60 / 995 / 8895. The gym part:
35.82 / 597 / 5336.18 → 36 / 597 / 5336.
"""

import io
from datetime import timedelta

import openpyxl

from odoo.tests import tagged

from odoo.addons.city_base.tools.allocation import to_fen

from .common import CitySettlementCommon


@tagged("post_install", "-at_install")
class TestScenarioThreeShopPackage(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        beauty = cls.env.ref("city_base.merchant_category_beauty")
        culture = cls.env.ref("city_base.merchant_category_culture")
        cls.nail = cls._create_merchant("美甲小屋", beauty, 30.2591, 120.1486)
        cls.gym = cls._create_merchant("动力健身房", cls.category_fitness, 30.2593, 120.1488)
        cls.bookshop = cls._create_merchant("西湖书店", culture, 30.2594, 120.1489)
        cls.shops = cls.nail | cls.gym | cls.bookshop
        cls.shops.write({"city_settlement_cycle": "realtime"})
        cls.package = cls.env["product.template"].create(
            {"name": "三店联票 ¥199", "type": "service", "list_price": 199.0, "taxes_id": False}
        )
        rule = cls.env["city.split.rule"]._sync_combo_rule(
            cls.package,
            [
                {"merchant_id": cls.nail.id, "weight": 5, "component_key": "nail"},
                {"merchant_id": cls.gym.id, "weight": 3, "component_key": "gym"},
                {"merchant_id": cls.bookshop.id, "weight": 2, "component_key": "book"},
            ],
        )
        rule.write({"merchant_percent": 90.0, "channel_fee_percent": 0.6})

    def _balance(self, key, partner=None):
        return self._account_balance(self.city_accounts[key], partner)

    def test_three_shop_package(self):
        order = self._create_order(self.member, [self.package.product_variant_id])
        self.assertEqual(order.amount_total, 199.0)
        self._pay_order(order)
        escrows = {e.component_key: e for e in order.city_escrow_ids}
        self.assertEqual(
            {k: (e.merchant_id, e.amount_paid) for k, e in escrows.items()},
            {"nail": (self.nail, 99.5), "gym": (self.gym, 59.7), "book": (self.bookshop, 39.8)},
        )
        for shop in self.shops:
            self.assertEqual(self._balance("city_escrow_account_id", shop), escrows_by_shop(escrows)[shop])

        # Redeemed at two shops (the tickets' redemptions are the sources).
        escrows["nail"]._release(99.5, "city.ticket.redemption,1001")
        escrows["gym"]._release(59.7, "city.ticket.redemption,1002")
        # The third part expires under the refund policy (过期自动退).
        escrows["book"]._refund(escrows["book"].amount_residual, "city.ticket,1003", "过期自动退")
        self.assertEqual({e.state for e in escrows.values()}, {"done"})

        settlements = self.env["city.settlement"].with_user(self.accountant)._run_settlements(merchants=self.shops)
        self.assertEqual(settlements.merchant_id, self.nail | self.gym)

        # Escrow ends at 0, for every shop.
        for shop in self.shops:
            self.assertEqual(self._balance("city_escrow_account_id", shop), 0.0)
        self.assertEqual(sum(e.amount_residual for e in escrows.values()), 0.0)
        # Merchants' payables, the platform's fee, channel fees and the member's refund, to the cent.
        self.assertEqual(self._balance("city_merchant_payable_account_id", self.nail), 88.95)
        self.assertEqual(self._balance("city_merchant_payable_account_id", self.gym), 53.37)
        self.assertEqual(self._balance("city_merchant_payable_account_id", self.bookshop), 0.0)
        fee_lines = self.env["city.settlement.allocation"].search([("order_id", "=", order.id)])
        self.assertEqual(round(sum(fee_lines.filtered(lambda a: a.role == "platform_fee").mapped("amount")), 2), 15.92)
        self.assertEqual(round(sum(fee_lines.filtered(lambda a: a.role == "channel_fee").mapped("amount")), 2), 0.96)
        platform_income = fee_lines.filtered(lambda a: a.role == "platform_fee").move_line_id
        self.assertTrue(platform_income)
        self.assertEqual(self._balance("city_refund_account_id", self.member), 39.8)
        self.assertEqual(round(sum(fee_lines.mapped("amount")), 2), 199.0)
        by_shop = {s.merchant_id: s for s in settlements}
        self.assertEqual(by_shop[self.nail].closing_balance, 88.95)
        self.assertEqual(by_shop[self.gym].closing_balance, 53.37)
        # The rule version used is recorded on every allocation.
        self.assertEqual(set(fee_lines.mapped("rule_version")) - {0}, {1})
        self.assertTrialBalanceBalances()
        self._assert_reconciliation_sheet(order, settlements)

    def _assert_reconciliation_sheet(self, order, settlements):
        """The accountant's XLSX reconciliation sheet of the day, read back with openpyxl:
        each shop's payable is the hand-computed figure, and the summary's totals equal
        the ledger's (the allocations and escrow of those days, demo data included)."""
        # Days around the scenario's: allocations are dated by the server's day, the sheet
        # counts payments by Beijing day, and the two differ in the evening (UTC).
        day = min(self.env["city.settlement.allocation"].search([("order_id", "=", order.id)]).mapped("date"))
        date_from, date_to = day - timedelta(days=1), day + timedelta(days=1)
        wizard = (
            self.env["city.reconciliation.report"]
            .with_user(self.accountant)
            .create({"date_from": date_from, "date_to": date_to, "provider_id": self.city_provider.id})
        )
        action = wizard.action_download()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/web/content/")[1].split("?")[0]))
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw), read_only=True, data_only=True)
        try:
            summary = {row[0]: row for row in book["汇总"].iter_rows(values_only=True) if row and row[0]}
            by_merchant = {row[0]: row for row in book["按商户分账"].iter_rows(min_row=2, values_only=True) if row[0]}
        finally:
            book.close()

        def fen(value):
            return round((value or 0) * 100)

        # The shops' payables, to the cent of the hand-computed table.
        self.assertEqual(fen(by_merchant[self.nail.display_name][1]), 8895)
        self.assertEqual(fen(by_merchant[self.gym.display_name][1]), 5337)
        # The summary's totals are the ledger's.
        run = self.env["city.reconciliation"].search([], order="id desc", limit=1)
        start, end = run._get_bounds()
        allocations = self.env["city.settlement.allocation"].search(
            [("date", ">=", date_from), ("date", "<=", date_to)]
        )
        self.assertIn(order, allocations.order_id)
        for role, label in (("merchant", "商户应付"), ("platform_fee", "平台服务费"), ("channel_fee", "渠道手续费")):
            expected = sum(to_fen(a.amount) for a in allocations if a.role == role)
            self.assertEqual(fen(summary[label][2]), expected, label)
        self.assertEqual(fen(summary["分账合计"][2]), sum(to_fen(a.amount) for a in allocations))
        escrows = self.env["city.escrow"].search([("paid_date", ">=", start), ("paid_date", "<", end)])
        self.assertIn(order, escrows.order_id)
        self.assertEqual(fen(summary["托管流入"][2]), sum(to_fen(e.amount_paid) for e in escrows))


def escrows_by_shop(escrows):
    return {e.merchant_id: e.amount_paid for e in escrows.values()}
