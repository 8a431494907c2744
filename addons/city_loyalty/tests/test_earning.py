# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import CityLoyaltyCommon


@tagged("post_install", "-at_install")
class TestEarning(CityLoyaltyCommon):
    def _purchase(self, partner, merchant, amount_fen, ref):
        return self.Wallet._earn_purchases(
            [{"partner": partner, "merchant": merchant, "amount_fen": amount_fen, "source_ref": ref}]
        )

    def test_purchase_rule_by_category_and_merchant(self):
        self.Rule.create(
            {
                "name": "茶饮双倍",
                "event": "purchase",
                "points_per_yuan": 2.0,
                "merchant_id": False,
                "merchant_category_id": self.category_tea.id,
            }
        )
        lines, _rej = self._purchase(self.member, self.merchant_a, 3050, "sale.order,1")
        self.assertEqual(lines.points, 61)  # ¥30.50 × 2, tea category rule
        self.assertEqual(lines.merchant_id, self.merchant_a)
        lines, _rej = self._purchase(self.member, self.merchant_b, 3050, "sale.order,2")
        self.assertEqual(lines.points, 30)  # the generic rule
        own = self.Rule.create(
            {"name": "B 店三倍", "event": "purchase", "points_per_yuan": 3.0, "merchant_id": self.merchant_b.id}
        )
        lines, _rej = self._purchase(self.member, self.merchant_b, 1000, "sale.order,3")
        self.assertEqual(lines.points, 30)
        self.assertEqual(lines.rule_id, own)

    def test_duplicate_purchase_refused_and_recorded(self):
        lines, _rej = self._purchase(self.member, self.merchant_a, 1000, "sale.order,7")
        self.assertEqual(lines.points, 10)
        lines, rejections = self._purchase(self.member, self.merchant_a, 1000, "sale.order,7")
        self.assertFalse(lines)
        self.assertEqual(rejections.reason, "duplicate")
        self.assertEqual(self._wallet().balance, 10)

    def test_first_purchase_and_tier_multiplier(self):
        self.Rule.create({"name": "首单", "event": "first_purchase", "points": 50, "merchant_id": False})
        lines, _rej = self._purchase(self.member, self.merchant_a, 10000, "sale.order,11")
        self.assertEqual(sorted(lines.mapped("points")), [50, 100])
        wallet = self._wallet()
        self.assertEqual(wallet.tier_id, self.tier_normal)
        # Rolling spend reaches ¥500: gold, ×2 from this purchase on; no second first-purchase bonus.
        lines, _rej = self._purchase(self.member, self.merchant_a, 40000, "sale.order,12")
        self.assertEqual(wallet.tier_id, self.tier_gold)
        self.assertEqual(lines.points, 800)
        self.assertEqual(wallet.balance, 950)

    def test_referral(self):
        self.Rule.create({"name": "推荐", "event": "referral", "points": 30, "merchant_id": False})
        newcomer = self._create_member("新会员", city_referrer_id=self.member_b.id)
        self._purchase(newcomer, self.merchant_a, 1000, "sale.order,21")
        self.assertEqual(self._wallet(self.member_b).balance, 30)
        self._purchase(newcomer, self.merchant_a, 1000, "sale.order,22")
        self.assertEqual(self._wallet(self.member_b).balance, 30)

    def test_caps_sign_in_review(self):
        result = self.member._city_points_api_sign_in()
        self.assertEqual((result["ok"], result["points"]), (True, 5))
        result = self.member._city_points_api_sign_in()
        self.assertEqual((result["ok"], result["code"]), (False, "duplicate"))
        self.assertTrue(self.member._city_points_api_review("r1")["ok"])
        self.assertTrue(self.member._city_points_api_review("r2")["ok"])
        self.assertEqual(self.member._city_points_api_review("r2")["code"], "duplicate")
        result = self.member._city_points_api_review("r3")
        self.assertEqual(result["code"], "daily_cap")  # 40 points a day from reviews
        self.assertEqual(self._wallet().balance, 45)
        reasons = self.env["city.points.rejection"].search([("partner_id", "=", self.member.id)]).mapped("reason")
        self.assertEqual(sorted(reasons), ["daily_cap", "duplicate", "duplicate"])

    def test_per_event_cap(self):
        self.rule_purchase.per_event_cap = 100
        lines, _rej = self._purchase(self.member, self.merchant_a, 50000, "sale.order,31")
        self.assertEqual(lines.points, 100)

    def test_velocity_flags_wallet(self):
        self.company.city_points_velocity_max = 3
        for i in range(3):
            self._purchase(self.member, self.merchant_a, 1000, f"sale.order,{100 + i}")
        lines, rejections = self._purchase(self.member, self.merchant_a, 1000, "sale.order,200")
        self.assertFalse(lines)
        self.assertEqual(rejections.reason, "velocity")
        wallet = self._wallet()
        self.assertTrue(wallet.is_flagged)
        _lines, rejections = self._purchase(self.member, self.merchant_a, 1000, "sale.order,201")
        self.assertEqual(rejections.reason, "flagged")
        wallet.with_user(self.operator).action_clear_flag()
        self.assertFalse(wallet.is_flagged)

    def test_non_member_rejected(self):
        stranger = self.env["res.partner"].create({"name": "路人"})
        lines, rejections = self._purchase(stranger, self.merchant_a, 1000, "sale.order,41")
        self.assertFalse(lines)
        self.assertEqual(rejections.reason, "not_member")

    def test_birthday_gift(self):
        today = __import__("odoo").fields.Date.context_today(self.Wallet)  # the cron's today (user tz)
        self.member.city_birthday = today.replace(year=1990)
        self._purchase(self.member, self.merchant_a, 60000, "sale.order,51")  # gold tier
        balance = self._wallet().balance
        self.Wallet._cron_birthday_gifts()
        self.Wallet._cron_birthday_gifts()
        self.assertEqual(self._wallet().balance, balance + 100)

    def test_operator_configures_rule_and_reward(self):
        with Form(self.Rule.with_user(self.operator)) as form:
            form.name = "健身每元3分"
            form.event = "purchase"
            form.merchant_id = self.merchant_b
            form.points_per_yuan = 3
            form.daily_cap = 500
        rule = form.save()
        self.assertEqual(rule.merchant_id, self.merchant_b)
        program = self.env["loyalty.program"].create({"name": "满50减10", "program_type": "coupons"})
        with Form(self.env["city.points.reward"].with_user(self.operator)) as form:
            form.name = "10元代金券"
            form.kind = "coupon"
            form.points_cost = 500
            form.loyalty_program_id = program
            form.quantity_limited = True
            form.quantity_available = 100
            form.per_member_limit = 2
        reward = form.save()
        self.assertEqual(reward.points_cost, 500)

    def test_merchant_manager_rule_limits(self):
        Rule = self.Rule.with_user(self.manager_a)
        rule = Rule.create({"name": "A 店双倍", "event": "purchase", "points_per_yuan": 2.0})
        self.assertEqual(rule.merchant_id, self.merchant_a)
        with self.assertRaises(ValidationError):
            Rule.create({"name": "太多", "event": "purchase", "points_per_yuan": 50.0})
        with self.assertRaises(ValidationError):
            Rule.create({"name": "签到", "event": "sign_in", "points": 100})
        with self.assertRaises(AccessError):
            Rule.create({"name": "B 店", "event": "purchase", "merchant_id": self.merchant_b.id})
        rule_b = self.Rule.create({"name": "B", "event": "purchase", "merchant_id": self.merchant_b.id})
        self.assertMerchantIsolation(rule, rule_b, write_vals={"points_per_yuan": 1.0})
