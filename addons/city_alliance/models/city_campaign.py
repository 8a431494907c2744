# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import hashlib
import logging
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import psycopg2
import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.models.city_merchant_hours import WEEKDAYS as WEEKDAY_SELECTION
from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import from_fen

from .city_alliance_trigger import CAP_PERIOD_SELECTION, cap_period_bounds
from .city_segment_rule import haversine_sql, member_place_sql

_logger = logging.getLogger(__name__)

KIND_SELECTION = [
    ("once", "Scheduled"),
    ("wake_up", "Wake-up (Inactive Members)"),
    ("remedial", "Remedial (Conversion Drop)"),
]
STATE_SELECTION = [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("cancel", "Cancelled")]
HOLDOUT_BUCKETS = 10000
FREQUENCY_CAP_PARAM = "city_alliance.campaign_weekly_cap"


def holdout_bucket(campaign_id, partner_id):
    """The member's bucket in 0..9999 for a campaign (md5 of ``campaign:member``):
    deterministic, the same in Python and in :meth:`CityCampaign._holdout_sql`."""
    digest = hashlib.md5(f"{campaign_id}:{partner_id}".encode()).hexdigest()
    return int(digest[:8], 16) % HOLDOUT_BUCKETS


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


class CityCampaign(models.Model):
    """A targeted coupon campaign with a holdout group (营销活动).

    Targets: the members in the chosen segments, within a radius of the merchant,
    during the campaign's window, within its caps and budget. Kinds: scheduled (one
    wave at ``send_at``), wake-up (members inactive ``inactive_days``: one wave per
    inactivity spell) and remedial (when the merchant's conversion in a weekday
    slot falls ``drop_pct`` % below its 4-week average, a wave of the offer).

    Every targeted member falls, by a hash of (campaign, member), in the holdout
    group (``holdout_pct`` %) or the treated group; both are logged in
    ``city.campaign.send``; only the treated get a coupon. Lift and ROI compare the
    two groups' revenue at the merchant (:meth:`_city_figures`). Caps, the budget
    and the weekly frequency cap are unique slots of the issue log (as triggers'),
    and a member is targeted once per wave (unique), so parallel runs never exceed
    them and no row is locked.
    """

    _name = "city.campaign"
    _inherit = ["city.merchant.mixin"]
    _description = "Marketing Campaign"
    _order = "id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    state = fields.Selection(STATE_SELECTION, default="draft", required=True, readonly=True, copy=False)
    kind = fields.Selection(KIND_SELECTION, required=True, default="once")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    merchant_id = fields.Many2one(
        help="Whose customers are sought: the centre of the radius, where the coupon is used."
    )
    program_id = fields.Many2one(
        "loyalty.program",
        string="Coupon Program",
        required=True,
        ondelete="restrict",
        domain=[("program_type", "=", "coupons")],
    )
    funding = fields.Selection(
        [("partner", "The Merchant"), ("operator", "The Platform")], required=True, default="partner"
    )
    coupon_valid_days = fields.Integer(default=14)
    # targeting
    segment_ids = fields.Many2many("city.segment", string="Segments", help="Empty: every member.")
    segment_match = fields.Selection(
        [("any", "In Any of the Segments"), ("all", "In All the Segments")], default="any", required=True
    )
    radius_m = fields.Integer(
        string="Radius (m)", help="Members whose last reported location (or address) is this close; 0: anywhere."
    )
    date_start = fields.Datetime(string="Starts", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Ends")
    send_at = fields.Datetime(help="Scheduled campaigns: when the wave goes out (default: start).")
    inactive_days = fields.Integer(default=7, help="Wake-up: days since the member's last order or event.")
    slot_weekday = fields.Selection(WEEKDAY_SELECTION, string="Weekday", default="0")
    slot_hour_from = fields.Float(string="Slot From", default=11.0)
    slot_hour_to = fields.Float(string="Slot To", default=14.0)
    drop_pct = fields.Float(
        string="Drop (%)",
        default=20.0,
        help="Remedial: launch when the slot's conversion (paid orders ÷ merchant views) falls this far below "
        "the average of the 4 weeks before.",
    )
    last_launch_key = fields.Char(readonly=True, copy=False, help="Remedial: the slot that launched the last wave.")
    # limits
    budget_qty = fields.Integer(string="Budget (coupons)", help="Coupons the campaign may issue in all; 0: unlimited.")
    cap_per_member = fields.Integer(string="Cap per Member", default=1, help="Sends per member and period; 0: none.")
    cap_period = fields.Selection(CAP_PERIOD_SELECTION, default="month", required=True)
    holdout_pct = fields.Float(string="Holdout (%)", default=10.0, help="Targeted members who receive nothing.")
    measure_days = fields.Integer(
        string="Measuring Window (days)", default=14, help="Revenue at the merchant counted after each send."
    )
    attribution_days = fields.Integer(
        string="Attribution Window (days)",
        default=30,
        help="A member's first purchase at the merchant within this many days after the coupon is a new "
        "customer of the campaign.",
    )
    last_run = fields.Datetime(readonly=True, copy=False)
    send_ids = fields.One2many("city.campaign.send", "campaign_id", string="Sends", readonly=True)
    # results (against the holdout, and attributed)
    sent_count = fields.Integer(string="Sent", compute="_compute_results")
    holdout_count = fields.Integer(string="Holdout", compute="_compute_results")
    claimed_count = fields.Integer(string="Claimed", compute="_compute_results")
    used_count = fields.Integer(string="Used", compute="_compute_results")
    cost_amount = fields.Monetary(string="Cost", compute="_compute_results")
    attributed_revenue = fields.Monetary(compute="_compute_results", help="Paid on the orders using the coupons.")
    attributed_roi = fields.Float(string="Attributed ROI", compute="_compute_results")
    revenue_treated = fields.Monetary(string="Revenue per Member (Sent)", compute="_compute_results")
    revenue_holdout = fields.Monetary(string="Revenue per Member (Holdout)", compute="_compute_results")
    conversion_treated = fields.Float(string="Conversion (Sent, %)", compute="_compute_results")
    conversion_holdout = fields.Float(string="Conversion (Holdout, %)", compute="_compute_results")
    incremental_revenue = fields.Monetary(compute="_compute_results")
    lift_pct = fields.Float(string="Lift (%)", compute="_compute_results")
    roi = fields.Float(string="ROI (Incremental)", compute="_compute_results")
    new_customer_count = fields.Integer(string="New Customers", compute="_compute_results")

    _sql_constraints = [
        (
            "numbers_positive",
            "CHECK(budget_qty >= 0 AND cap_per_member >= 0 AND radius_m >= 0 AND coupon_valid_days >= 0"
            " AND inactive_days >= 0 AND measure_days > 0 AND attribution_days >= 0)",
            "Budgets, caps, radii and days cannot be negative; the measuring window is at least one day.",
        ),
        ("holdout_range", "CHECK(holdout_pct >= 0 AND holdout_pct < 100)", "The holdout is 0 to 99.99 %."),
    ]

    # ------------------------------------------------------------
    # CONSTRAINTS, COMPUTE
    # ------------------------------------------------------------

    @api.constrains("program_id", "merchant_id", "date_start", "date_end", "slot_hour_from", "slot_hour_to", "drop_pct")
    def _check_parameters(self):
        for campaign in self:
            if campaign.program_id.program_type != "coupons":
                raise ValidationError(self.env._("A campaign sends coupons: choose a program of type Coupons."))
            program_merchant = campaign.program_id.city_merchant_id
            if program_merchant and program_merchant != campaign.merchant_id:
                raise ValidationError(
                    self.env._("The coupons of %(program)s are for another merchant.", program=campaign.program_id.name)
                )
            if campaign.date_end and campaign.date_end <= campaign.date_start:
                raise ValidationError(self.env._("A campaign must end after it starts."))
            if not 0 <= campaign.slot_hour_from < campaign.slot_hour_to <= 24:
                raise ValidationError(self.env._("The time slot must run from 0 to 24 h and start before it ends."))
            if not 0 < campaign.drop_pct <= 100:
                raise ValidationError(self.env._("The conversion drop is a percentage above 0 and at most 100."))

    @api.depends("send_ids")
    def _compute_results(self):
        figures = self._city_figures()
        counts = dict(
            self.env["city.alliance.attribution"]
            .sudo()
            ._read_group([("campaign_id", "in", self.ids)], ["campaign_id"], ["__count"])
        )
        for campaign in self:
            fig = figures.get(campaign.id) or self._city_empty_figures()
            campaign.update(
                {
                    "sent_count": fig["sent"],
                    "holdout_count": fig["holdout"],
                    "claimed_count": fig["claimed"],
                    "used_count": fig["used"],
                    "cost_amount": fig["cost"],
                    "attributed_revenue": fig["attributed_revenue"],
                    "attributed_roi": fig["attributed_roi"] or 0.0,
                    "revenue_treated": fig["revenue_per_member_treated"],
                    "revenue_holdout": fig["revenue_per_member_holdout"],
                    "conversion_treated": fig["conversion_treated_pct"],
                    "conversion_holdout": fig["conversion_holdout_pct"],
                    "incremental_revenue": fig["incremental_revenue"],
                    "lift_pct": fig["lift_pct"] or 0.0,
                    "roi": fig["roi"] or 0.0,
                    "new_customer_count": counts.get(campaign, 0),
                }
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_start(self):
        """Operator: start the campaign (the cron sends its waves in its window)."""
        access.check_groups(self.env, access.OPERATOR)
        if self.filtered(lambda c: c.state != "draft"):
            raise UserError(self.env._("Only draft campaigns can be started."))
        self.write({"state": "running"})
        self.env.ref("city_alliance.ir_cron_city_campaigns").sudo()._trigger()

    def action_stop(self):
        """Operator: stop sending; the results keep being measured."""
        access.check_groups(self.env, access.OPERATOR)
        self.filtered(lambda c: c.state == "running").write({"state": "done"})

    def action_cancel(self):
        """Operator: cancel a campaign that has sent nothing."""
        access.check_groups(self.env, access.OPERATOR)
        self.check_access("write")
        if self.sudo().send_ids:
            raise UserError(self.env._("A campaign that has sent coupons is stopped, not cancelled."))
        self.write({"state": "cancel"})

    def action_run_now(self):
        """Operator: run the campaign's wave now (caps and budget apply)."""
        access.check_groups(self.env, access.OPERATOR)
        self.check_access("write")
        for campaign in self:
            if campaign.state != "running":
                raise UserError(self.env._("Start the campaign first."))
            campaign.sudo()._city_run()
        return True

    def action_measure(self):
        """Operator: measure the outcomes now (the cron does it hourly)."""
        access.check_groups(self.env, access.OPERATOR)
        self.check_access("write")
        self.sudo()._city_measure()
        return True

    def action_view_sends(self):
        """The campaign's sends with their outcome (the merchant's own, or all for Operators)."""
        access.check_groups(self.env, *access.ANY_ROLE)
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Campaign Sends"),
            "res_model": "city.campaign.send",
            "view_mode": "list",
            "domain": [("campaign_id", "=", self.id)],
            "context": {"search_default_group_holdout": 1},
        }

    # ------------------------------------------------------------
    # TARGETING (set-based SQL)
    # ------------------------------------------------------------

    def _holdout_sql(self, partner_id):
        """SQL: whether ``partner_id`` is in this campaign's holdout (see :func:`holdout_bucket`)."""
        return SQL(
            "(mod((('x' || substr(md5(%s || ':' || %s), 1, 8))::bit(32)::bigint), %s) < %s)",
            str(self.id),
            partner_id,
            HOLDOUT_BUCKETS,
            round(self.holdout_pct * HOLDOUT_BUCKETS / 100),
        )

    def _city_tz(self):
        return self.merchant_id.tz or self.company_id.partner_id.tz or "Asia/Shanghai"

    def _city_frequency_cap(self):
        return int(self.env["ir.config_parameter"].sudo().get_param(FREQUENCY_CAP_PARAM, 0) or 0)

    def _city_targets_sql(self, now, wave):
        """``SELECT partner_id, wave, holdout, sent_in_period, coupons_in_week`` of the members
        this wave targets at ``now``: segments ∧ radius ∧ (inactivity) ∧ caps, minus the
        members already targeted by the wave."""
        self.ensure_one()
        company = self.company_id.id
        joins, conds = [], [SQL("p.is_member AND p.active AND (p.company_id IS NULL OR p.company_id = %s)", company)]
        if self.segment_ids:
            need = len(self.segment_ids) if self.segment_match == "all" else 1
            conds.append(
                SQL(
                    """p.id IN (SELECT ms.partner_id FROM city_member_segment ms
                                 WHERE ms.segment_id = ANY(%s) AND ms.is_current
                                 GROUP BY ms.partner_id HAVING COUNT(DISTINCT ms.segment_id) >= %s)""",
                    self.segment_ids.ids,
                    need,
                )
            )
        if self.radius_m:
            place_join, lat, lon = member_place_sql(SQL("p.id"), company)
            joins.append(place_join)
            merchant = self.merchant_id
            distance = haversine_sql(lat, lon, merchant.partner_latitude, merchant.partner_longitude)
            conds.append(SQL("%s <= %s", distance, self.radius_m))
        wave_sql = SQL("%s", wave)
        if self.kind == "wake_up":
            # The last activity: a paid order or a behaviour event; one wave per inactivity spell.
            joins.append(
                SQL(
                    """JOIN (SELECT a.partner_id, MAX(a.at) AS at FROM (
                                 SELECT partner_id, paid_date AS at FROM city_escrow
                                  WHERE company_id = %(c)s AND partner_id IS NOT NULL AND paid_date IS NOT NULL
                                 UNION ALL
                                 SELECT partner_id, occurred_at FROM city_member_event WHERE company_id = %(c)s
                             ) a GROUP BY a.partner_id) last ON last.partner_id = p.id""",
                    c=company,
                )
            )
            conds.append(SQL("last.at < %s", now - timedelta(days=self.inactive_days)))
            wave_sql = SQL("('w' || to_char(last.at, 'YYYYMMDDHH24MISS'))")
        conds.append(
            SQL(
                """NOT EXISTS (SELECT 1 FROM city_campaign_send s0
                                WHERE s0.campaign_id = %s AND s0.partner_id = p.id AND s0.wave = %s)""",
                self.id,
                wave_sql,
            )
        )
        _key, period_start = cap_period_bounds(now, self.cap_period, self._city_tz())
        sent = SQL(
            "(SELECT COUNT(*) FROM city_campaign_send s1 WHERE s1.campaign_id = %s AND s1.partner_id = p.id %s)",
            self.id,
            SQL("AND s1.send_date >= %s", period_start) if period_start else SQL(""),
        )
        if self.cap_per_member:
            conds.append(SQL("%s < %s", sent, self.cap_per_member))
        _key, week_start = cap_period_bounds(now, "week", self._city_tz())
        in_week = SQL(
            """(SELECT COUNT(*) FROM city_coupon_issue i1 WHERE i1.partner_id = p.id
                  AND i1.campaign_id IS NOT NULL AND i1.create_date >= %s)""",
            week_start,
        )
        frequency_cap = self._city_frequency_cap()
        if frequency_cap:
            conds.append(SQL("%s < %s", in_week, frequency_cap))
        return SQL(
            """SELECT p.id, %(wave)s, %(holdout)s, %(sent)s, %(in_week)s FROM res_partner p %(joins)s
                WHERE %(where)s ORDER BY md5(%(salt)s || p.id), p.id""",
            wave=wave_sql,
            holdout=self._holdout_sql(SQL("p.id")),
            sent=sent,
            in_week=in_week,
            joins=SQL(" ").join(joins),
            where=SQL(" AND ").join(conds),
            salt=f"order:{self.id}:",
        )

    def _city_targets(self, now, wave):
        """``[(partner_id, wave, holdout, sent_in_period, coupons_in_week)]``, in a random order."""
        for model in ("res.partner", "city.member.segment", "city.member.event", "city.escrow"):
            self.env[model].flush_model()
        self.env["city.campaign.send"].flush_model()
        self.env["city.coupon.issue"].flush_model()
        self.env.cr.execute(self._city_targets_sql(now, wave))
        return self.env.cr.fetchall()

    # ------------------------------------------------------------
    # RUN
    # ------------------------------------------------------------

    def _city_wave(self, now):
        """The wave due at ``now`` (a key), or None: nothing to send now."""
        self.ensure_one()
        if self.state != "running" or self.date_start > now or (self.date_end and self.date_end <= now):
            return None
        if self.kind == "once":
            return None if self.last_run or (self.send_at or self.date_start) > now else "once"
        if self.kind == "wake_up":
            return "wake_up"
        key = self._city_remedial_key(now)
        return f"r{key}" if key and key != self.last_launch_key else None

    def _city_run(self, now=None):
        """Send the wave due at ``now``: coupons to the treated members (within the budget,
        the caps and the weekly frequency cap), holdout rows for the others.

        :return: the ``city.campaign.send`` rows created
        """
        self.ensure_one()
        now = now or fields.Datetime.now()
        Send = self.env["city.campaign.send"].sudo()
        wave = self._city_wave(now)
        if not wave:
            return Send
        targets = self._city_targets(now, wave)
        budget_used = self.env["city.coupon.issue"].sudo()._city_count_campaign_budget(self) if self.budget_qty else 0
        issue_vals, send_vals = self._city_plan_wave(now, targets, budget_used)
        issues = self.env["city.coupon.issue"].sudo()._city_issue_coupons(issue_vals)
        treated = iter(issues)
        for vals in send_vals:
            if not vals["holdout"]:
                vals["issue_id"] = next(treated).id
        sends = Send.create(send_vals)
        write = {"last_run": now}
        if self.kind == "remedial":
            write["last_launch_key"] = wave[1:]
        self.write(write)
        return sends

    def _city_plan_wave(self, now, targets, budget_used):
        """The issue and send values of a wave; stops where the budget runs out, for the
        holdout as for the treated (the random order keeps both groups comparable)."""
        period_key, _start = cap_period_bounds(now, self.cap_period, self._city_tz())
        week_key, _start = cap_period_bounds(now, "week", self._city_tz())
        funder = self.merchant_id if self.funding == "partner" else self.env["res.partner"]
        frequency_cap = self._city_frequency_cap()
        issue_vals, send_vals = [], []
        for partner_id, wave, holdout, sent, in_week in targets:
            send_vals.append(
                {
                    "campaign_id": self.id,
                    "company_id": self.company_id.id,
                    "partner_id": partner_id,
                    "wave": wave,
                    "send_date": now,
                    "holdout": holdout,
                }
            )
            if holdout:
                continue
            if self.budget_qty and budget_used >= self.budget_qty:
                send_vals.pop()
                break
            budget_used += 1
            issue_vals.append(
                {
                    "partner_id": partner_id,
                    "program_id": self.program_id.id,
                    "merchant_id": self.merchant_id.id,
                    "funder_id": funder.id,
                    "funding": self.funding,
                    "campaign_id": self.id,
                    "source_model": self._name,
                    "source_res_id": self.id,
                    "company_id": self.company_id.id,
                    "budget_slot": budget_used if self.budget_qty else 0,
                    "cap_key": f"c{self.id}:{partner_id}:{period_key}:{sent + 1}" if self.cap_per_member else False,
                    "frequency_key": f"f{self.company_id.id}:{partner_id}:{week_key}:{in_week + 1}"
                    if frequency_cap
                    else False,
                    "valid_days": self.coupon_valid_days,
                }
            )
        return issue_vals, send_vals

    @api.model
    def _cron_run_campaigns(self):
        """Hourly: close the campaigns past their end, send the waves due, measure outcomes.

        Each campaign runs in a savepoint: a slot taken by a parallel run (unique
        index) or a bad campaign leaves it for the next run, never blocks the others.
        """
        now = fields.Datetime.now()
        running = self.sudo().search([("state", "=", "running")])
        running.filtered(lambda c: c.date_end and c.date_end <= now).write({"state": "done"})
        for campaign in running.filtered(lambda c: c.state == "running"):
            try:
                with self.env.cr.savepoint():
                    campaign._city_run(now)
            except psycopg2.errors.UniqueViolation:
                _logger.info("campaign %s met a parallel run; left for the next run", campaign.id)
            except (UserError, ValidationError) as exc:
                _logger.warning("campaign %s not run: %s", campaign.id, exc)
        recent = self.sudo().search(
            [
                ("state", "in", ("running", "done")),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", now - timedelta(days=60)),
            ]
        )
        recent._city_measure()

    @api.model
    def _city_demo_run(self, campaign_ids):
        """Demo data: send the first wave of these campaigns and measure it."""
        campaigns = self.sudo().browse(campaign_ids)
        for campaign in campaigns:
            campaign._city_run()
        campaigns._city_measure()

    # ------------------------------------------------------------
    # REMEDIAL: conversion of a weekday slot against its 4-week average
    # ------------------------------------------------------------

    def _city_local_to_utc(self, day, hour):
        """Naive UTC of ``hour`` (float) on the local ``day`` of the merchant."""
        tz = pytz.timezone(self._city_tz())
        local = tz.localize(datetime.combine(day, time()) + timedelta(hours=hour))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def _city_slot_days(self, now):
        """The local dates of the last ended occurrence of the slot and the 4 before it."""
        tz = pytz.timezone(self._city_tz())
        local_now = pytz.utc.localize(now).astimezone(tz).replace(tzinfo=None)
        day = local_now.date() - timedelta(days=(local_now.weekday() - int(self.slot_weekday)) % 7)
        if datetime.combine(day, time()) + timedelta(hours=self.slot_hour_to) > local_now:
            day -= timedelta(days=7)
        return [day - timedelta(days=7 * n) for n in range(5)]

    def _city_slot_conversions(self, days):
        """``{local date: (paid orders, merchant views)}`` of the merchant in the slot on ``days``."""
        tz = self._city_tz()
        local = SQL("((src.at AT TIME ZONE 'UTC') AT TIME ZONE %s)", tz)
        hour = SQL("(EXTRACT(HOUR FROM %s) + EXTRACT(MINUTE FROM %s) / 60.0)", local, local)
        since = datetime.combine(min(days), time()) - timedelta(days=1)
        until = datetime.combine(max(days), time()) + timedelta(days=2)
        self.env["city.escrow"].flush_model()
        self.env["city.member.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT %(local)s::date, COUNT(DISTINCT src.ref) FILTER (WHERE src.kind = 'o'),
                          COUNT(DISTINCT src.ref) FILTER (WHERE src.kind = 'v')
                     FROM (SELECT 'o' AS kind, order_id AS ref, paid_date AS at FROM city_escrow
                            WHERE merchant_id = %(m)s AND paid_date >= %(since)s AND paid_date < %(until)s
                           UNION ALL
                           SELECT 'v', id, occurred_at FROM city_member_event
                            WHERE merchant_id = %(m)s AND event_type = 'view_merchant'
                              AND occurred_at >= %(since)s AND occurred_at < %(until)s) src
                    WHERE %(local)s::date = ANY(%(days)s::date[]) AND %(hour)s >= %(h0)s AND %(hour)s < %(h1)s
                    GROUP BY 1""",
                local=local,
                hour=hour,
                m=self.merchant_id.id,
                since=since,
                until=until,
                days=[day.isoformat() for day in days],
                h0=self.slot_hour_from,
                h1=self.slot_hour_to,
            )
        )
        return {day: (orders, views) for day, orders, views in self.env.cr.fetchall()}

    def _city_remedial_key(self, now):
        """The date of the last ended slot when its conversion fell ``drop_pct`` % below the
        average conversion of the 4 slots before it (slots without views are left out)."""
        self.ensure_one()
        days = self._city_slot_days(now)
        rates = {day: orders / views for day, (orders, views) in self._city_slot_conversions(days).items() if views}
        baseline = [rates[day] for day in days[1:] if day in rates]
        if days[0] not in rates or not baseline:
            return None
        average = sum(baseline) / len(baseline)
        return days[0].isoformat() if rates[days[0]] < average * (1 - self.drop_pct / 100) else None

    # ------------------------------------------------------------
    # OUTCOMES AND FIGURES
    # ------------------------------------------------------------

    def _city_measure(self):
        """Measure each send's revenue and conversion at the campaign's merchant within the
        measuring window after it (one statement over ``city_escrow``)."""
        if not self:
            return
        self.env["city.escrow"].flush_model()
        self.env["city.campaign.send"].flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE city_campaign_send s
                      SET revenue_amount = x.revenue, converted = x.orders > 0
                     FROM (SELECT s2.id, COUNT(e.id) AS orders,
                                  COALESCE(SUM(e.amount_paid - e.amount_refunded - e.amount_reversed), 0) AS revenue
                             FROM city_campaign_send s2
                             JOIN city_campaign c ON c.id = s2.campaign_id
                             LEFT JOIN city_escrow e ON e.partner_id = s2.partner_id AND e.merchant_id = c.merchant_id
                                  AND e.paid_date >= s2.send_date
                                  AND e.paid_date < s2.send_date + c.measure_days * INTERVAL '1 day'
                            WHERE s2.campaign_id = ANY(%s)
                            GROUP BY s2.id) x
                    WHERE x.id = s.id AND (s.revenue_amount IS DISTINCT FROM x.revenue
                                           OR s.converted IS DISTINCT FROM (x.orders > 0))""",
                self.ids,
            )
        )
        self.env["city.campaign.send"].invalidate_model(["revenue_amount", "converted"])
        self.invalidate_recordset()

    @api.model
    def _city_empty_figures(self):
        return self._city_figures_from({})

    @api.model
    def _city_figures_from(self, groups):
        """The figures of one campaign from its two groups' sums (see :meth:`_city_figures`)."""
        treated = groups.get(False, {})
        holdout = groups.get(True, {})
        n_t, n_h = treated.get("count", 0), holdout.get("count", 0)
        rev_t, rev_h = treated.get("revenue", 0), holdout.get("revenue", 0)  # fen
        cost, attributed = treated.get("cost", 0), treated.get("coupon_revenue", 0)
        rpm_t, rpm_h = _ratio(Decimal(rev_t), n_t), _ratio(Decimal(rev_h), n_h)
        incremental = None
        if rpm_t is not None and rpm_h is not None:
            incremental = ((rpm_t - rpm_h) * n_t).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        lift = (rpm_t - rpm_h) / rpm_h * 100 if incremental is not None and rpm_h else None
        conv_t, conv_h = _ratio(treated.get("converted", 0) * 100, n_t), _ratio(holdout.get("converted", 0) * 100, n_h)

        def money(fen):
            return float(from_fen(int(fen))) if fen is not None else 0.0

        def per_member(value):
            return float(from_fen(int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)))) if value else 0.0

        return {
            "sent": n_t,
            "holdout": n_h,
            "claimed": treated.get("claimed", 0),
            "used": treated.get("used", 0),
            "cost": money(cost),
            "attributed_revenue": money(attributed),
            "attributed_roi": round(attributed / cost, 4) if cost else None,
            "revenue_treated": money(rev_t),
            "revenue_holdout": money(rev_h),
            "revenue_per_member_treated": per_member(rpm_t),
            "revenue_per_member_holdout": per_member(rpm_h),
            "conversion_treated_pct": round(conv_t, 2) if conv_t is not None else 0.0,
            "conversion_holdout_pct": round(conv_h, 2) if conv_h is not None else 0.0,
            "incremental_revenue": money(incremental) if incremental is not None else 0.0,
            "lift_pct": round(float(lift), 2) if lift is not None else None,
            "roi": round(float(incremental) / cost, 4) if incremental is not None and cost else None,
        }

    def _city_figures(self):
        """The results of these campaigns against their holdout, for the form and city_dashboard.

        ``{campaign id: {sent, holdout, claimed, used, cost, attributed_revenue,
        attributed_roi, revenue_treated, revenue_holdout, revenue_per_member_treated,
        revenue_per_member_holdout, conversion_treated_pct, conversion_holdout_pct,
        incremental_revenue, lift_pct, roi}}`` (amounts in CNY, exact to the fen).
        Incremental revenue = (revenue per treated member − revenue per holdout member)
        × treated members; lift = that difference ÷ revenue per holdout member; ROI =
        incremental revenue ÷ cost (the discounts of the coupons used); the attributed
        ROI = revenue of the orders using the coupons ÷ cost. None where undefined.
        """
        if not self.ids:
            return {}
        self.env["city.campaign.send"].flush_model()
        self.env["city.coupon.issue"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT campaign_id, holdout, COUNT(*), COUNT(*) FILTER (WHERE converted),
                          SUM(ROUND(COALESCE(revenue_amount, 0) * 100)), SUM(ROUND(COALESCE(cost_amount, 0) * 100)),
                          SUM(ROUND(COALESCE(coupon_revenue, 0) * 100)),
                          COUNT(*) FILTER (WHERE outcome IN ('claimed', 'used')),
                          COUNT(*) FILTER (WHERE outcome = 'used')
                     FROM city_campaign_send WHERE campaign_id = ANY(%s) GROUP BY campaign_id, holdout""",
                self.ids,
            )
        )
        groups = {}
        for (
            campaign_id,
            holdout,
            count,
            converted,
            revenue,
            cost,
            coupon_revenue,
            claimed,
            used,
        ) in self.env.cr.fetchall():
            groups.setdefault(campaign_id, {})[bool(holdout)] = {
                "count": count,
                "converted": converted,
                "revenue": int(revenue or 0),
                "cost": int(cost or 0),
                "coupon_revenue": int(coupon_revenue or 0),
                "claimed": claimed,
                "used": used,
            }
        return {campaign_id: self._city_figures_from(group) for campaign_id, group in groups.items()}

    @api.model
    def _city_dashboard_figures(self, date_from=None, date_to=None, company=None, merchant=None):
        """The campaigns of ``company`` (or ``merchant``) that sent within the dates, with
        their figures: ``[{campaign_id, name, kind, state, merchant_id, merchant, **figures}]``."""
        company = company or self.env.company
        domain = [("company_id", "=", company.id), ("state", "in", ("running", "done"))]
        if merchant:
            domain.append(("merchant_id", "=", merchant.id))
        send_domain = [("campaign_id.company_id", "=", company.id)]
        if date_from:
            send_domain.append(("send_date", ">=", date_from))
        if date_to:
            send_domain.append(("send_date", "<=", date_to))
        sent = self.env["city.campaign.send"].sudo()._read_group(send_domain, ["campaign_id"], ["__count"])
        domain.append(("id", "in", [campaign.id for campaign, _count in sent]))
        campaigns = self.sudo().search(domain)
        figures = campaigns._city_figures()
        return [
            {
                "campaign_id": campaign.id,
                "name": campaign.name,
                "kind": campaign.kind,
                "state": campaign.state,
                "merchant_id": campaign.merchant_id.id,
                "merchant": campaign.merchant_id.name,
                **figures.get(campaign.id, self._city_empty_figures()),
            }
            for campaign in campaigns
        ]
