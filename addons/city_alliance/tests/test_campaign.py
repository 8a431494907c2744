# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Campaigns: targeting by segment and radius, caps, budget and the holdout; lift on
generated outcomes against hand-computed figures; remedial and wake-up waves;
attribution of the new customers; access. And the marketing settings (one class: one
setUpClass)."""

from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.city_alliance.models.city_campaign import FREQUENCY_CAP_PARAM, holdout_bucket

from .common import CityAllianceCommon
from .population import insert_orders

# ~0.5 km and ~5 km north of the KTV (30.2627, 120.1500).
NEAR_LAT, FAR_LAT, LON = 30.2672, 30.3077, 120.1500


@tagged("post_install", "-at_install")
class TestCampaign(CityAllianceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.now = fields.Datetime.now().replace(microsecond=0)
        Segment = cls.env["city.segment"]
        cls.seg_light = Segment.create({"name": "测试轻食控", "code": "test_campaign_light"})
        cls.seg_other = Segment.create({"name": "测试其他", "code": "test_campaign_other"})
        Partner = cls.env["res.partner"]
        # 30 members near the KTV in the segment, 5 far away in it, 5 near it outside it.
        cls.near = Partner.create(
            [
                {"name": f"活动会员{n}", "is_member": True, "partner_latitude": NEAR_LAT, "partner_longitude": LON}
                for n in range(30)
            ]
        )
        cls.far = Partner.create(
            [
                {"name": f"远处会员{n}", "is_member": True, "partner_latitude": FAR_LAT, "partner_longitude": LON}
                for n in range(5)
            ]
        )
        cls.outsiders = Partner.create(
            [
                {"name": f"其他会员{n}", "is_member": True, "partner_latitude": NEAR_LAT, "partner_longitude": LON}
                for n in range(5)
            ]
        )
        # One far member reported a location next to the KTV: its place is the report.
        cls.moved = cls.far[0]
        cls.env["city.member.event"]._city_log_events(
            [
                {
                    "partner_id": cls.moved.id,
                    "event_type": "location",
                    "latitude": NEAR_LAT,
                    "longitude": LON,
                    "occurred_at": cls.now - timedelta(days=1),
                }
            ]
        )
        cls._enter(cls.seg_light, cls.near | cls.far)
        cls._enter(cls.seg_other, cls.outsiders)
        cls.env["ir.config_parameter"].sudo().set_param(FREQUENCY_CAP_PARAM, 0)

    @classmethod
    def _enter(cls, segment, partners):
        cls.env["city.member.segment"].create(
            [
                {"segment_id": segment.id, "partner_id": p.id, "company_id": cls.company.id, "date_entered": cls.now}
                for p in partners
            ]
        )

    @classmethod
    def _create_campaign(cls, **vals):
        values = {
            "name": "KTV会员召回",
            "merchant_id": cls.ktv.id,
            "program_id": cls.program_ktv.id,
            "segment_ids": [(6, 0, cls.seg_light.ids)],
            "radius_m": 2000,
            "holdout_pct": 20.0,
            "date_start": cls.now - timedelta(hours=1),
        }
        values.update(vals)
        campaign = cls.env["city.campaign"].with_user(cls.operator).create(values)
        campaign.action_start()
        return campaign.sudo()

    def _holdout(self, campaign, partners):
        return partners.filtered(lambda p: holdout_bucket(campaign.id, p.id) < campaign.holdout_pct * 100)

    # ------------------------------------------------------------
    # targeting
    # ------------------------------------------------------------

    def test_targeting_segment_radius_holdout(self):
        campaign = self._create_campaign()
        sends = campaign._city_run(self.now)
        expected = self.near | self.moved
        self.assertEqual(sends.partner_id, expected, "in the segment and within 2 km (reported location first)")
        holdout = self._holdout(campaign, expected)
        self.assertTrue(holdout and holdout != expected, "a hash splits the targets")
        self.assertEqual(sends.filtered("holdout").partner_id, holdout)
        self.assertFalse(sends.filtered("holdout").issue_id, "the holdout receives nothing")
        treated = sends.filtered(lambda s: not s.holdout)
        self.assertEqual(treated.issue_id.partner_id, expected - holdout)
        self.assertEqual(treated.issue_id.card_id.partner_id, expected - holdout)
        self.assertEqual(set(treated.mapped("outcome")), {"issued"})
        self.assertEqual(treated.issue_id.campaign_id, campaign)
        self.assertFalse(campaign._city_run(self.now + timedelta(hours=1)), "a scheduled campaign sends once")
        # Deterministic: another wave (without the cap) splits them the same way.
        campaign.cap_per_member = 0
        rows = campaign._city_targets(self.now, "again")
        self.assertEqual({r[0] for r in rows if r[2]}, set(holdout.ids))

    def test_segment_all_and_no_radius(self):
        self._enter(self.seg_other, self.near[:3])
        campaign = self._create_campaign(
            segment_ids=[(6, 0, (self.seg_light | self.seg_other).ids)], segment_match="all", radius_m=0
        )
        self.assertEqual(campaign._city_run(self.now).partner_id, self.near[:3])

    def test_budget_stops_both_groups(self):
        campaign = self._create_campaign(budget_qty=5)
        sends = campaign._city_run(self.now)
        issues = sends.issue_id
        self.assertEqual(len(issues), 5)
        self.assertEqual(sorted(issues.mapped("budget_slot")), [1, 2, 3, 4, 5])
        self.assertLess(len(sends), len(self.near) + 1, "the wave stops where the budget runs out")

    def test_parallel_runs_cannot_pass_the_budget(self):
        """Two runs that counted the same log: the second's slots are taken (unique index)."""
        campaign = self._create_campaign(budget_qty=3, cap_per_member=0)
        targets = campaign._city_targets(self.now, "once")
        first, _sends = campaign._city_plan_wave(self.now, targets, 0)
        self.env["city.coupon.issue"]._city_issue_coupons(first)
        second, _sends = campaign._city_plan_wave(self.now, targets[::-1], 0)  # stale count: 0
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env["city.coupon.issue"]._city_issue_coupons(second)
        self.assertEqual(self.env["city.coupon.issue"].search_count([("campaign_id", "=", campaign.id)]), 3)

    def test_caps_and_wake_up_waves(self):
        """Wake-up: one wave per inactivity spell; the cap per member and period holds."""
        member = self.near[0]
        insert_orders(self.env, self.company, [(member, self.hotpot, self.now - timedelta(days=10), 50)])
        campaign = self._create_campaign(
            kind="wake_up", inactive_days=7, holdout_pct=0.0, cap_per_member=1, cap_period="ever"
        )
        woken = campaign._city_run(self.now)
        self.assertIn(member, woken.partner_id)
        self.assertNotIn(self.near[1], woken.partner_id, "never active: nothing to wake")
        self.assertFalse(campaign._city_run(self.now + timedelta(hours=1)).filtered(lambda s: s.partner_id == member))
        # Active again, then asleep again: a new wave, but the cap (1 in total) holds.
        later = self.now + timedelta(days=9)
        insert_orders(self.env, self.company, [(member, self.hotpot, self.now + timedelta(minutes=5), 50)])
        self.assertNotIn(member, campaign._city_run(later).partner_id)
        campaign.cap_per_member = 2
        self.assertIn(member, campaign._city_run(later).partner_id)

    def test_weekly_frequency_cap_across_campaigns(self):
        self.env["ir.config_parameter"].sudo().set_param(FREQUENCY_CAP_PARAM, 1)
        first = self._create_campaign(holdout_pct=0.0)
        got = first._city_run(self.now).partner_id
        self.assertEqual(got, self.near | self.moved)
        second = self._create_campaign(name="第二波", holdout_pct=0.0)
        self.assertFalse(second._city_run(self.now), "one campaign coupon per member and week")
        self.env["ir.config_parameter"].sudo().set_param(FREQUENCY_CAP_PARAM, 2)
        third = self._create_campaign(name="第三波", holdout_pct=0.0)
        self.assertEqual(third._city_run(self.now).partner_id, got)

    # ------------------------------------------------------------
    # outcomes and lift
    # ------------------------------------------------------------

    def test_lift_and_roi_on_generated_outcomes(self):
        campaign = self._create_campaign(holdout_pct=20.0, radius_m=0, segment_ids=[(6, 0, self.seg_other.ids)])
        # Exactly 8 treated and 2 holdout members, picked by their hash for this campaign.
        pool = self.env["res.partner"].create([{"name": f"提升会员{n}", "is_member": True} for n in range(60)])
        holdout = self._holdout(campaign, pool)[:2]
        treated = (pool - self._holdout(campaign, pool))[:8]
        self.env["city.member.segment"].search([("segment_id", "=", self.seg_other.id)]).unlink()
        self._enter(self.seg_other, treated | holdout)
        sends = campaign._city_run(self.now)
        self.assertEqual((len(sends.filtered("holdout")), len(sends) - len(sends.filtered("holdout"))), (2, 8))
        after = self.now + timedelta(days=1)
        # Three treated members use the coupon (¥30 off, paid ¥70); one holdout member pays ¥20.
        for send in sends.filtered(lambda s: s.partner_id in treated[:3]):
            send.issue_id._city_mark_used(3000, 7000, when=after)
        rows = [(p, self.ktv, after, 70) for p in treated[:3]]
        rows += [(holdout[0], self.ktv, after, 20)]
        rows += [(treated[3], self.hotpot, after, 500)]  # another merchant: not counted
        rows += [(treated[4], self.ktv, self.now + timedelta(days=20), 500)]  # after the window: not counted
        insert_orders(self.env, self.company, rows)
        campaign._city_measure()
        fig = campaign._city_figures()[campaign.id]
        self.assertEqual(
            {k: fig[k] for k in ("sent", "holdout", "used", "cost", "attributed_revenue", "revenue_treated")},
            {"sent": 8, "holdout": 2, "used": 3, "cost": 90.0, "attributed_revenue": 210.0, "revenue_treated": 210.0},
        )
        # By hand: 210 / 8 = 26.25 per treated member, 20 / 2 = 10.00 per holdout member;
        # incremental = (26.25 − 10.00) × 8 = 130.00; lift = 16.25 / 10 = 162.5 %; ROI = 130 / 90.
        self.assertEqual(fig["revenue_per_member_treated"], 26.25)
        self.assertEqual(fig["revenue_per_member_holdout"], 10.0)
        self.assertEqual(fig["incremental_revenue"], 130.0)
        self.assertEqual(fig["lift_pct"], 162.5)
        self.assertEqual(fig["roi"], round(130 / 90, 4))
        self.assertEqual(fig["attributed_roi"], round(210 / 90, 4))
        self.assertEqual((fig["conversion_treated_pct"], fig["conversion_holdout_pct"]), (37.5, 50.0))
        campaign.invalidate_recordset()
        self.assertEqual(
            (campaign.incremental_revenue, campaign.roi, campaign.used_count), (130.0, round(130 / 90, 4), 3)
        )
        dashboard = self.env["city.campaign"]._city_dashboard_figures(company=self.company, merchant=self.ktv)
        self.assertEqual(
            [row["incremental_revenue"] for row in dashboard if row["campaign_id"] == campaign.id], [130.0]
        )

    def test_campaign_coupon_attributes_new_customer(self):
        campaign = self._create_campaign(holdout_pct=0.0)
        send = campaign._city_run(self.now).filtered(lambda s: s.partner_id == self.near[0])
        order_id = insert_orders(self.env, self.company, [(self.near[0], self.ktv, self.now + timedelta(days=2), 80)])[
            0
        ]
        order = self.env["sale.order"].browse(order_id)
        attribution = self.env["city.alliance.attribution"]._city_attribute_order(order, self.ktv)
        self.assertEqual(
            (attribution.campaign_id, attribution.channel, attribution.coupon_issue_id, attribution.source_merchant_id),
            (campaign, "campaign", send.issue_id, self.env["res.partner"]),
        )
        self.assertEqual(campaign.new_customer_count, 1)
        # Outside the campaign's window: not attributed.
        campaign.attribution_days = 1
        late_id = insert_orders(self.env, self.company, [(self.near[1], self.ktv, self.now + timedelta(days=3), 80)])[0]
        late = self.env["sale.order"].browse(late_id)
        self.assertFalse(self.env["city.alliance.attribution"]._city_attribute_order(late, self.ktv))

    # ------------------------------------------------------------
    # remedial
    # ------------------------------------------------------------

    def test_remedial_launches_on_conversion_drop(self):
        campaign = self._create_campaign(
            kind="remedial", slot_weekday="0", slot_hour_from=11, slot_hour_to=14, drop_pct=30
        )
        days = campaign._city_slot_days(self.now)
        shopper = self.outsiders[0]

        def slot(day, views, orders):
            at = campaign._city_local_to_utc(day, 12.0)
            self.env["city.member.event"]._city_log_events(
                [
                    {
                        "partner_id": shopper.id,
                        "event_type": "view_merchant",
                        "merchant_id": self.ktv.id,
                        "occurred_at": at,
                    }
                    for _n in range(views)
                ]
            )
            insert_orders(self.env, self.company, [(shopper, self.ktv, at, 10)] * orders)

        for day in days[1:]:
            slot(day, 10, 5)  # 50 % for four weeks
        slot(days[0], 10, 4)  # 40 %: a fall of 20 %, below the 30 % set
        self.assertIsNone(campaign._city_remedial_key(self.now))
        self.env["city.member.event"]._city_log_events(
            [
                {
                    "partner_id": shopper.id,
                    "event_type": "view_merchant",
                    "merchant_id": self.ktv.id,
                    "occurred_at": campaign._city_local_to_utc(days[0], 13.0),
                }
                for _n in range(10)
            ]
        )  # 4 orders / 20 views = 20 %: a fall of 60 %
        self.assertEqual(campaign._city_remedial_key(self.now), days[0].isoformat())
        sends = campaign._city_run(self.now)
        self.assertTrue(sends)
        self.assertEqual(set(sends.mapped("wave")), {f"r{days[0].isoformat()}"})
        self.assertEqual(campaign.last_launch_key, days[0].isoformat())
        self.assertFalse(campaign._city_run(self.now + timedelta(minutes=30)), "one launch per slot")

    # ------------------------------------------------------------
    # cron, access
    # ------------------------------------------------------------

    def test_cron_runs_and_closes(self):
        campaign = self._create_campaign()
        ended = self._create_campaign(name="已结束", date_end=self.now - timedelta(minutes=1))
        self.env["city.campaign"]._cron_run_campaigns()
        self.assertTrue(campaign.send_ids)
        self.assertEqual((ended.state, ended.send_ids), ("done", self.env["city.campaign.send"]))

    def test_access(self):
        campaign = self._create_campaign()
        campaign._city_run(self.now)
        Campaign = self.env["city.campaign"]
        self.assertEqual(Campaign.with_user(self.manager_ktv).search([("id", "=", campaign.id)]), campaign)
        self.assertTrue(
            self.env["city.campaign.send"].with_user(self.staff_ktv).search([("campaign_id", "=", campaign.id)])
        )
        self.assertEqual(
            campaign.with_user(self.manager_ktv).sent_count, len(campaign.send_ids) - campaign.holdout_count
        )
        self.assertFalse(Campaign.with_user(self.manager_hotpot).search([("id", "=", campaign.id)]))
        self.assertFalse(
            self.env["city.campaign.send"].with_user(self.manager_hotpot).search([("campaign_id", "=", campaign.id)])
        )
        with self.assertRaises(AccessError):
            campaign.with_user(self.manager_ktv).action_run_now()
        with self.assertRaises(AccessError):
            campaign.with_user(self.manager_ktv).write({"budget_qty": 1})
        with self.assertRaises(AccessError):
            Campaign.with_user(self.manager_ktv).create(
                {"name": "x", "merchant_id": self.ktv.id, "program_id": self.program_ktv.id}
            )
        with self.assertRaises(AccessError):
            campaign.with_user(self.manager_hotpot).action_view_sends()
        self.assertEqual(campaign.with_user(self.manager_ktv).action_view_sends()["res_model"], "city.campaign.send")
        with self.assertRaises(UserError):
            campaign.with_user(self.operator).action_cancel()

    # ------------------------------------------------------------
    # marketing settings (the recommendation parameters, the weekly cap)
    # ------------------------------------------------------------

    def test_operator_edits_recommendation_parameters(self):
        Link = self.env["city.recommendation.link"]
        settings = Form(self.env["city.growth.settings"].with_user(self.operator))
        self.assertEqual(settings.recommendation_min_support, Link._city_param("min_support"))
        settings.recommendation_min_support = 5
        settings.recommendation_window_hours = 2
        settings.campaign_weekly_cap = 3
        settings.save().action_save()
        self.assertEqual((Link._city_param("min_support"), Link._city_param("window_hours")), (5, 2))
        self.assertEqual(self.env["ir.config_parameter"].get_param(FREQUENCY_CAP_PARAM), "3")

    def test_merchants_cannot_edit_settings(self):
        Settings = self.env["city.growth.settings"].with_user(self.manager_ktv)
        with self.assertRaises(AccessError):
            Settings.default_get(["recommendation_min_support"])
        with self.assertRaises(AccessError):
            Settings.create({"recommendation_min_support": 1})
        mine = self.env["city.growth.settings"].with_user(self.operator).create({})
        with self.assertRaises(AccessError):
            mine.with_user(self.manager_ktv).action_save()
