# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import datetime, timedelta

from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CityAllianceCommon


@tagged("post_install", "-at_install")
class TestTriggers(CityAllianceCommon):
    def _event(self, merchant, amount=150.0, when=None, partner=None, event_type="order_paid"):
        return self.env["city.alliance.event"]._city_append(
            [
                {
                    "event_type": event_type,
                    "partner_id": (partner or self.member).id,
                    "merchant_id": merchant.id if merchant else False,
                    "company_id": self.company.id,
                    "amount": amount,
                    "event_date": when or datetime(2026, 12, 2, 12, 0),  # a Wednesday, 20:00 in Shanghai
                }
            ]
        )

    def test_order_paid_only_appends_then_cron_issues(self):
        trigger = self._create_trigger()
        order = self._create_paid_order(self.member, self.hotpot_meal)
        event = self.env["city.alliance.event"].search([("source_res_id", "=", order.id)])
        self.assertEqual((event.state, event.merchant_id, event.amount), ("pending", self.hotpot, 150.0))
        self.assertFalse(self._issues(), "the payment issues nothing itself")
        self._process_events()
        issue = self._issues()
        self.assertEqual(event.state, "done")
        self.assertEqual(
            (issue.merchant_id, issue.source_merchant_id, issue.funder_id, issue.trigger_id, issue.state),
            (self.ktv, self.hotpot, self.hotpot, trigger, "issued"),
        )
        self.assertEqual((issue.source_model, issue.source_res_id), ("sale.order", order.id))
        self.assertEqual((issue.card_id.program_id, issue.card_id.partner_id), (self.program_ktv, self.member))
        self.assertEqual(issue.card_id.points, 1)

    def test_conditions(self):
        trigger = self._create_trigger(min_amount=100.0, hour_from=17.0, hour_to=23.0, weekday_sun=False)
        self._event(self.hotpot, amount=99.99)  # below the minimum
        self._event(self.hotpot, when=datetime(2026, 12, 2, 2, 0))  # 10:00 local
        self._event(self.hotpot, when=datetime(2026, 12, 6, 12, 0))  # a Sunday
        self._event(self.beer)  # not a triggering merchant
        self._event(self.ktv)  # the coupon's own merchant
        self._process_events()
        self.assertFalse(self._issues())
        self._event(self.hotpot)
        self._process_events()
        self.assertEqual(len(self._issues(trigger=trigger)), 1)

    def test_distance_and_category(self):
        dining = self.env.ref("city_base.merchant_category_dining")
        trigger = self._create_trigger(source_merchant_ids=[(5, 0, 0)], max_distance_m=1000)
        self._event(self.beer)  # ~5 km away
        self._process_events()
        self.assertFalse(self._issues())
        self._event(self.hotpot)  # ~300 m
        self._process_events()
        self.assertEqual(len(self._issues()), 1)
        trigger.write({"max_distance_m": 0, "source_category_ids": [(6, 0, self.category_tea.ids)]})
        self._event(self.hotpot)
        self._process_events()
        self.assertEqual(len(self._issues()), 1, "dining is not tea")
        trigger.source_category_ids = dining
        self._event(self.beer)
        self._process_events()
        self.assertEqual(len(self._issues()), 2)

    def test_cap_per_member_and_period(self):
        trigger = self._create_trigger(cap_per_member=2, cap_period="day")
        for _i in range(4):
            self._event(self.hotpot)
        self._event(self.hotpot, when=datetime(2026, 12, 3, 12, 0))  # the next day: a new period
        self._event(self.hotpot, partner=self.member_b)
        self._process_events()
        self.assertEqual(len(self._issues(trigger=trigger)), 3)
        self.assertEqual(len(self._issues(self.member_b, trigger)), 1)

    def test_budget_holds_across_batches(self):
        trigger = self._create_trigger(budget_qty=5)
        members = [self._create_member(f"预算会员{i}") for i in range(9)]
        Event = self.env["city.alliance.event"]
        for member in members:
            self._event(self.hotpot, partner=member)
        # Sequential batches of 2 events: the budget is counted from the log each batch.
        while Event._city_process_pending(2):
            pass
        issues = self.env["city.coupon.issue"].search([("trigger_id", "=", trigger.id)])
        self.assertEqual(len(issues), 5)
        self.assertEqual(sorted(issues.mapped("budget_slot")), [1, 2, 3, 4, 5])
        self.assertEqual(trigger.budget_left, 0)
        self.assertFalse(Event.search([("state", "=", "pending")]))

    def test_slots_are_unique_in_the_log(self):
        """A concurrent evaluation that counted the same log takes the same slot: the
        unique index refuses the second, so neither the budget nor a cap is exceeded."""
        trigger = self._create_trigger(budget_qty=1, cap_per_member=1)
        event = self._event(self.hotpot)
        vals = trigger._city_prepare_issue(event, {})
        self.env["city.coupon.issue"]._city_issue_coupons([vals])
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["city.coupon.issue"]._city_issue_coupons([dict(vals, cap_key=False)])
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["city.coupon.issue"]._city_issue_coupons([dict(vals, budget_slot=False)])

    def test_broken_trigger_never_fails_the_payment(self):
        self._create_trigger()
        self.program_ktv.active = False
        order = self._create_paid_order(self.member, self.hotpot_meal)
        self.assertTrue(order.city_paid_date)
        self._process_events()  # the event is processed, or marked in error: never raised
        self.assertFalse(self.env["city.alliance.event"].search([("state", "=", "pending")]))

    def test_other_events(self):
        sign_in = self._create_trigger(
            name="签到送券", event="sign_in", source_merchant_ids=[(5, 0, 0)], cap_per_member=1
        )
        self.member._city_points_api_sign_in()
        self.member._city_points_api_sign_in()  # the second sign-in of the day earns nothing
        self._process_events()
        self.assertEqual(len(self._issues(trigger=sign_in)), 1)
        redeemed = self._create_trigger(name="核销送券", event="ticket_redeemed")
        voucher = self._create_merchant_product(
            self.hotpot, 88.0, name="火锅代金券", city_ticket_type="voucher", city_valid_days=30
        )
        order = self._create_paid_order(self.member, voucher)
        self.env["city.ticket"].with_user(self.manager_hotpot)._redeem_code(order.city_ticket_ids.manual_code)
        self._process_events()
        self.assertEqual(len(self._issues(trigger=redeemed)), 1)

    def test_delivery_done(self):
        trigger = self._create_trigger(name="外卖送达送券", event="delivery_done")
        goods = self.env["product.product"].create(
            {
                "name": "火锅底料",
                "type": "consu",
                "is_storable": False,
                "list_price": 40.0,
                "merchant_id": self.hotpot.id,
            }
        )
        order = self._create_paid_order(self.member, goods)
        self._process_events()
        self.assertFalse(self._issues(trigger=trigger), "paid, not delivered yet")
        picking = order.picking_ids
        picking.move_ids.quantity = 1
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self._process_events()
        self.assertEqual(len(self._issues(trigger=trigger)), 1)

    def test_inactive_members(self):
        trigger = self._create_trigger(
            name="唤醒券", event="inactive", source_merchant_ids=[(5, 0, 0)], inactive_days=7
        )
        order = self._create_paid_order(self.member, self.hotpot_meal)
        order.city_paid_date = datetime.now().replace(microsecond=0) - timedelta(days=7, hours=3)
        self.env["city.alliance.trigger"]._cron_inactive_members()
        self._process_events()
        self.assertEqual(len(self._issues(trigger=trigger)), 1)
