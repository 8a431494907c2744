# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data of city_loyalty that needs code: sample ledgers (called from demo/city_loyalty_demo.xml).

The ledgers are made without points money, so the settlement books of a demo
database start empty (other modules' tests check them). That switch lives here,
in demo code: a sentinel only this loader puts in the context, which no request
can send, turns the posting's booking step off.
"""

from datetime import timedelta

from odoo import api, fields, models

DEMO_NO_MONEY = object()


class CityPointsWallet(models.Model):
    _inherit = "city.points.wallet"

    @api.model
    def _post_prepare_bookings(self, posting):
        if self.env.context.get("city_loyalty_demo") is DEMO_NO_MONEY:
            return self.env["city.points.booking"]
        return super()._post_prepare_bookings(posting)

    @api.model
    def _load_demo_ledgers(self):
        """Demo data: a few members with purchases, sign-ins, reviews, spends and an expired lot."""
        demo = self.with_context(city_loyalty_demo=DEMO_NO_MONEY)
        ref = demo.env.ref
        tea = ref("city_base.demo_merchant_tea_time")
        hotpot = ref("city_base.demo_merchant_hotpot_shu")
        hair = ref("city_base.demo_merchant_hair_mode")
        cinema = ref("city_base.demo_merchant_cinema_star")
        members = [ref(f"city_base.demo_member_{i:02d}").with_env(demo.env) for i in range(1, 7)]
        purchases = []
        for i, member in enumerate(members):
            for j, (merchant, amount) in enumerate([(tea, 3600), (hotpot, 25800), (cinema, 9800), (hair, 16800)]):
                if (i + j) % 3 != 2:
                    purchases.append(
                        {
                            "partner": member,
                            "merchant": merchant,
                            "amount_fen": amount * (i + 1),
                            "source_ref": f"demo:{member.id}:{j}",
                        }
                    )
        demo._earn_purchases(purchases)
        for member in members[:4]:
            member._city_points_api_sign_in()
            member._city_points_api_review(f"demo-review-{member.id}", tea.id)
        wallets = demo._get_wallets(demo.env["res.partner"].union(*members))
        wallets[0]._spend(300, merchant=hair, note="到店抵扣")
        wallets[1]._spend(150, merchant=tea, note="到店抵扣")
        wallets[2]._earn(120, expiry_date=fields.Date.context_today(demo) - timedelta(days=1), note="老积分")
        wallets[3]._earn(80, expiry_date=fields.Date.context_today(demo) + timedelta(days=10), note="即将过期")
        demo.env["city.points.lot"]._cron_expire()
        demo.env["city.points.lot"]._cron_notify_expiring()
        if wallets[0].balance >= 500:
            demo.env["city.points.redemption"]._redeem(members[0], ref("city_loyalty.demo_reward_coupon"))
