# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base of city_loyalty: members, earning rules and tiers of their own."""

from odoo.addons.city_settlement.tests.common import CitySettlementCommon


class CityLoyaltyCommon(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "city_points_issue_fen": 1.0,
                "city_points_clearing_fen": 1.0,
                "city_points_validity_days": 365,
                "city_points_velocity_max": 1000,
            }
        )
        # Tests own their configuration: whatever the database holds is archived.
        cls.env["city.points.rule"].search([]).action_archive()
        cls.env["city.points.tier"].search([]).action_archive()
        cls.Wallet = cls.env["city.points.wallet"]
        cls.Rule = cls.env["city.points.rule"]
        cls.tier_normal = cls.env["city.points.tier"].create({"name": "普通", "min_spend": 0, "multiplier": 1.0})
        cls.tier_gold = cls.env["city.points.tier"].create(
            {"name": "金卡", "min_spend": 500, "multiplier": 2.0, "birthday_points": 100}
        )
        cls.rule_purchase = cls.Rule.create(
            {"name": "每元1分", "event": "purchase", "points_per_yuan": 1.0, "merchant_id": False}
        )
        cls.rule_sign_in = cls.Rule.create({"name": "签到", "event": "sign_in", "points": 5, "merchant_id": False})
        cls.rule_review = cls.Rule.create(
            {"name": "评价", "event": "review", "points": 20, "daily_cap": 40, "merchant_id": False}
        )
        cls.member = cls._create_member("会员小王")
        cls.member_b = cls._create_member("会员小李")

    @classmethod
    def _create_member(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, "is_member": True, **vals})

    @classmethod
    def _create_product(cls, name, merchant, price, **vals):
        return cls.env["product.product"].create(
            {"name": name, "type": "service", "list_price": price, "merchant_id": merchant.id, **vals}
        )

    def _wallet(self, partner=None):
        return self.Wallet._get_wallets(partner or self.member)

    def assertBooksBalanced(self, wallet=None):
        """Balance = ledger sum = open lots, for one wallet or all."""
        bad = self.Wallet._find_inconsistent()
        if wallet:
            bad = [row for row in bad if row[0] == wallet.id]
        self.assertFalse(bad, f"wallets whose balance differs from their ledger: {bad}")
