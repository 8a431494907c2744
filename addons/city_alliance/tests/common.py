# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base of city_alliance: a hotpot restaurant, a KTV next door and a craft-beer bar
far away, their managers, a 满100减30 KTV coupon and an approved alliance."""

from odoo import Command

from odoo.addons.city_loyalty.tests.common import CityLoyaltyCommon


class CityAllianceCommon(CityLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Tests own their alliances: whatever the database holds (demo) stops issuing.
        cls.env["city.alliance.trigger"].search([]).write({"active": False})
        cls.env["city.alliance.event"].search([("state", "=", "pending")]).write({"state": "done"})
        # No points on purchases: the merchants' payables show the coupon money alone.
        cls.rule_purchase.action_archive()
        dining = cls.env.ref("city_base.merchant_category_dining")
        fun = cls.env.ref("city_base.merchant_category_entertainment")
        # The KTV is ~300 m from the hotpot restaurant, the beer bar ~5 km away.
        cls.hotpot = cls._create_merchant("测试火锅", dining, 30.2600, 120.1500)
        cls.ktv = cls._create_merchant("测试KTV", fun, 30.2627, 120.1500)
        cls.beer = cls._create_merchant("测试精酿", dining, 30.3050, 120.1500)
        cls.manager_hotpot = cls._create_user("al_manager_hotpot", "city_base.group_merchant_manager", cls.hotpot)
        cls.manager_ktv = cls._create_user("al_manager_ktv", "city_base.group_merchant_manager", cls.ktv)
        cls.staff_ktv = cls._create_user("al_staff_ktv", "city_base.group_merchant_user", cls.ktv)
        cls.manager_beer = cls._create_user("al_manager_beer", "city_base.group_merchant_manager", cls.beer)
        cls.hotpot_meal = cls._create_merchant_product(cls.hotpot, 150.0, name="火锅双人餐")
        cls.ktv_room = cls._create_merchant_product(cls.ktv, 100.0, name="KTV小包3小时")
        cls.beer_flight = cls._create_merchant_product(cls.beer, 60.0, name="精酿品鉴")
        cls.program_ktv = cls._create_coupon_program("KTV满100减30", cls.ktv, minimum=100.0, discount=30.0)
        cls.alliance = cls._create_alliance("火锅KTV联盟", [cls.hotpot, cls.ktv, cls.beer])

    @classmethod
    def _create_coupon_program(cls, name, merchant, minimum=0.0, discount=0.0, percent=0.0, **vals):
        """An Odoo coupon program of ``merchant``: 满``minimum``减``discount`` (fixed) or ``percent`` off."""
        reward = {
            "reward_type": "discount",
            "discount": percent or discount,
            "discount_mode": "percent" if percent else "per_order",
            "discount_applicability": "order",
            "required_points": 1,
        }
        return cls.env["loyalty.program"].create(
            {
                "name": name,
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "city_merchant_id": merchant.id,
                "rule_ids": [Command.create({"minimum_amount": minimum, "reward_point_amount": 1})],
                "reward_ids": [Command.create(reward)],
                **vals,
            }
        )

    @classmethod
    def _create_alliance(cls, name, merchants, **vals):
        """An alliance created by the operator, accepted by each merchant's manager, approved."""
        Alliance = cls.env["city.alliance"].with_user(cls.operator)
        alliance = Alliance.create(
            {
                "name": name,
                "member_ids": [Command.create({"merchant_id": m.id}) for m in merchants],
                **vals,
            }
        )
        for member in alliance.sudo().member_ids:
            manager = member.merchant_id.merchant_user_ids.filtered(
                lambda u: u.has_group("city_base.group_merchant_manager")
            )[:1]
            member.with_user(manager).action_accept()
        alliance.action_approve()
        return alliance.sudo()

    @classmethod
    def _create_trigger(cls, **vals):
        values = {
            "name": "火锅送KTV券",
            "alliance_id": cls.alliance.id,
            "event": "order_paid",
            "source_merchant_ids": [Command.set(cls.hotpot.ids)],
            "partner_merchant_id": cls.ktv.id,
            "program_id": cls.program_ktv.id,
            "funding": "source",
            "cap_per_member": 0,
        }
        values.update(vals)
        return cls.env["city.alliance.trigger"].with_user(cls.operator).create(values).sudo()

    def _process_events(self):
        return self.env["city.alliance.event"]._city_process_pending(100000)

    def _issues(self, partner=None, trigger=None):
        domain = [("partner_id", "=", (partner or self.member).id)]
        if trigger:
            domain.append(("trigger_id", "=", trigger.id))
        return self.env["city.coupon.issue"].search(domain)

    def _order_with_coupon(self, member, products, issue):
        """A confirmed order of ``member`` on which the coupon of ``issue`` is applied."""
        order = self._create_order(member, products, confirm=False)
        rewards = order._try_apply_code(issue.card_id.code)
        self.assertNotIn("error", rewards, rewards)
        coupon, coupon_rewards = next(iter(rewards.items()))
        order._apply_program_reward(coupon_rewards[:1], coupon)
        order.action_confirm()
        return order
