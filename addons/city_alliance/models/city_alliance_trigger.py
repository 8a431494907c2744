# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import datetime, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.city_base.models.city_district import haversine_m
from odoo.addons.city_base.tools.allocation import to_fen

EVENT_SELECTION = [
    ("order_paid", "Order Paid"),
    ("ticket_redeemed", "Ticket Redeemed"),
    ("delivery_done", "Delivery Completed"),
    ("sign_in", "Member Sign-in"),
    ("inactive", "Member Inactive"),
]
FUNDING_SELECTION = [
    ("source", "The Triggering Merchant"),
    ("partner", "The Coupon's Merchant"),
    ("alliance", "Alliance Members by Share"),
    ("operator", "The Platform"),
]
CAP_PERIOD_SELECTION = [("day", "Per Day"), ("week", "Per Week"), ("month", "Per Month"), ("ever", "In Total")]
WEEKDAY_FIELDS = (
    "weekday_mon",
    "weekday_tue",
    "weekday_wed",
    "weekday_thu",
    "weekday_fri",
    "weekday_sat",
    "weekday_sun",
)


def cap_period_bounds(at, period, tz_name):
    """``(key, start)`` of the cap period holding ``at`` (naive UTC) in ``tz_name``:
    its key (``2026-11-30``, ``2026W49``, ``2026-11``, ``all``) and its start (naive
    UTC, None for ``ever``)."""
    tz = pytz.timezone(tz_name or "Asia/Shanghai")
    local = pytz.utc.localize(at).astimezone(tz).date()
    if period == "day":
        key, first = local.isoformat(), local
    elif period == "week":
        year, week, weekday = local.isocalendar()
        key, first = f"{year}W{week:02d}", local - timedelta(days=weekday - 1)
    elif period == "month":
        key, first = f"{local.year}-{local.month:02d}", local.replace(day=1)
    else:
        return "all", None
    start = tz.localize(datetime(first.year, first.month, first.day)).astimezone(pytz.utc).replace(tzinfo=None)
    return key, start


def cap_period_key(at, period, tz_name):
    """The key of the cap period holding ``at`` (see :func:`cap_period_bounds`)."""
    return cap_period_bounds(at, period, tz_name)[0]


class CityAllianceTrigger(models.Model):
    """ "Pay here, get a coupon there": an event at a member merchant issues a partner's coupon.

    Triggers are evaluated off the paying transaction: the payment (ticket scan,
    delivery, sign-in) only appends a ``city.alliance.event`` row; the event cron
    evaluates the pending events in batches. Caps per member and the budget are
    counted from the append-only issue log and enforced by unique indexes on it
    (``budget_slot`` and ``cap_key``), so they hold exactly whatever runs in parallel.
    """

    _name = "city.alliance.trigger"
    _description = "Alliance Coupon Trigger"
    _order = "sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    alliance_id = fields.Many2one("city.alliance", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="alliance_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="alliance_id.currency_id")
    event = fields.Selection(EVENT_SELECTION, required=True, default="order_paid", index=True)
    source_merchant_ids = fields.Many2many(
        "res.partner",
        "city_alliance_trigger_source_rel",
        "trigger_id",
        "merchant_id",
        string="Triggering Merchants",
        domain=[("is_merchant", "=", True)],
        help="Where the member must be for the trigger to fire; empty: any approved member of the alliance.",
    )
    source_category_ids = fields.Many2many(
        "city.merchant.category",
        string="Triggering Categories",
        help="Only events at merchants of these categories; empty: any category.",
    )
    partner_merchant_id = fields.Many2one(
        "res.partner",
        string="Coupon Merchant",
        required=True,
        index=True,
        ondelete="restrict",
        domain=[("is_merchant", "=", True)],
        help="The alliance partner whose coupon is issued (where the member uses it).",
    )
    program_id = fields.Many2one(
        "loyalty.program",
        string="Coupon Program",
        required=True,
        ondelete="restrict",
        domain=[("program_type", "=", "coupons")],
        help="An Odoo coupon program (满减, 无门槛, discount, second-item offer).",
    )
    funding = fields.Selection(FUNDING_SELECTION, required=True, default="source")
    min_amount = fields.Monetary(string="Minimum Amount", help="Orders, redemptions, deliveries of at least this.")
    weekday_mon = fields.Boolean(string="Mon", default=True)
    weekday_tue = fields.Boolean(string="Tue", default=True)
    weekday_wed = fields.Boolean(string="Wed", default=True)
    weekday_thu = fields.Boolean(string="Thu", default=True)
    weekday_fri = fields.Boolean(string="Fri", default=True)
    weekday_sat = fields.Boolean(string="Sat", default=True)
    weekday_sun = fields.Boolean(string="Sun", default=True)
    hour_from = fields.Float(string="From Hour", default=0.0, help="Local time of the triggering merchant.")
    hour_to = fields.Float(string="To Hour", default=24.0)
    max_distance_m = fields.Integer(
        string="Max Distance (m)", help="Between the triggering merchant and the coupon merchant; 0: no limit."
    )
    inactive_days = fields.Integer(default=7, help="Member inactive trigger: days since the member's last order.")
    cap_per_member = fields.Integer(string="Cap per Member", default=1, help="Coupons per member and period; 0: none.")
    cap_period = fields.Selection(CAP_PERIOD_SELECTION, default="month", required=True)
    budget_qty = fields.Integer(string="Budget (coupons)", help="Coupons this trigger may issue in all; 0: unlimited.")
    coupon_valid_days = fields.Integer(default=30)
    attribution_days = fields.Integer(
        string="Attribution Window (days)",
        default=30,
        help="A member's first purchase at the coupon merchant within this many days after the coupon is "
        "attributed to the triggering merchant and this trigger.",
    )
    issue_ids = fields.One2many("city.coupon.issue", "trigger_id", string="Coupons Issued")
    issued_count = fields.Integer(string="Issued", compute="_compute_issue_stats")
    used_count = fields.Integer(string="Used", compute="_compute_issue_stats")
    budget_left = fields.Integer(compute="_compute_issue_stats")

    _sql_constraints = [
        (
            "numbers_positive",
            "CHECK(cap_per_member >= 0 AND budget_qty >= 0 AND max_distance_m >= 0 AND coupon_valid_days >= 0"
            " AND attribution_days >= 0 AND inactive_days >= 0)",
            "Caps, budgets, distances and days cannot be negative.",
        ),
        (
            "hours_ordered",
            "CHECK(hour_from >= 0 AND hour_to <= 24 AND hour_from < hour_to)",
            "The time window must run from 0 to 24 h, start before it ends.",
        ),
    ]

    # ------------------------------------------------------------
    # CONSTRAINTS, COMPUTE
    # ------------------------------------------------------------

    @api.constrains("partner_merchant_id", "alliance_id", "source_merchant_ids")
    def _check_members(self):
        for trigger in self:
            merchants = trigger.alliance_id.sudo().member_ids.merchant_id
            outsiders = (trigger.partner_merchant_id | trigger.source_merchant_ids) - merchants
            if outsiders:
                raise ValidationError(
                    self.env._(
                        "%(merchants)s are not members of the alliance %(alliance)s.",
                        merchants=", ".join(outsiders.mapped("name")),
                        alliance=trigger.alliance_id.name,
                    )
                )

    @api.constrains("program_id")
    def _check_program(self):
        for trigger in self:
            if trigger.program_id.program_type != "coupons":
                raise ValidationError(self.env._("A trigger issues coupons: choose a program of type Coupons."))

    def _compute_issue_stats(self):
        Issue = self.env["city.coupon.issue"].sudo()
        issued = dict(Issue._read_group([("trigger_id", "in", self.ids)], ["trigger_id"], ["__count"]))
        used = dict(
            Issue._read_group([("trigger_id", "in", self.ids), ("state", "=", "used")], ["trigger_id"], ["__count"])
        )
        for trigger in self:
            trigger.issued_count = issued.get(trigger, 0)
            trigger.used_count = used.get(trigger, 0)
            trigger.budget_left = max(trigger.budget_qty - trigger.issued_count, 0) if trigger.budget_qty else 0

    # ------------------------------------------------------------
    # BUSINESS: evaluation
    # ------------------------------------------------------------

    @api.model
    def _city_active_triggers(self, day=None):
        """Triggers of running alliances whose coupon merchant is an approved member, by event."""
        domain = [
            ("active", "=", True),
            *[
                (f"alliance_id.{term[0]}", *term[1:]) if isinstance(term, tuple) else term
                for term in self.env["city.alliance"]._city_running_domain(day)
            ],
        ]
        triggers = self.sudo().search(domain)
        by_event = {}
        for trigger in triggers:
            approved = trigger.alliance_id.member_ids.filtered(lambda m: m.state == "approved").merchant_id
            if trigger.partner_merchant_id in approved:
                by_event[trigger.event] = by_event.get(trigger.event, self.browse()) | trigger
        return by_event

    def _city_matches(self, event):
        """Whether the conditions of this trigger hold for ``event`` (a city.alliance.event)."""
        self.ensure_one()
        merchant = event.merchant_id
        partner = self.partner_merchant_id
        if merchant:
            if merchant == partner:
                return False
            approved = self.alliance_id.member_ids.filtered(lambda m: m.state == "approved").merchant_id
            if self.source_merchant_ids:
                if merchant not in self.source_merchant_ids or merchant not in approved:
                    return False
            elif merchant not in approved:
                return False
            if self.source_category_ids and merchant.merchant_category_id not in self.source_category_ids:
                return False
            if self.max_distance_m:
                if not (merchant.partner_latitude or merchant.partner_longitude):
                    return False
                distance = haversine_m(
                    merchant.partner_latitude,
                    merchant.partner_longitude,
                    partner.partner_latitude,
                    partner.partner_longitude,
                )
                if distance > self.max_distance_m:
                    return False
        elif self.source_merchant_ids or self.source_category_ids or self.max_distance_m:
            return False  # conditions on the place cannot hold for an event without one
        if self.min_amount and to_fen(event.amount) < to_fen(self.min_amount):
            return False
        tz = pytz.timezone((merchant or partner).tz or "Asia/Shanghai")
        local = pytz.utc.localize(event.event_date).astimezone(tz)
        if not self[WEEKDAY_FIELDS[local.weekday()]]:
            return False
        hour = local.hour + local.minute / 60.0
        return self.hour_from <= hour < self.hour_to

    def _city_period_key(self, at):
        """The cap period of ``at`` (naive UTC) in the coupon merchant's time zone."""
        self.ensure_one()
        return cap_period_key(at, self.cap_period, self.partner_merchant_id.tz)

    def _city_funders(self, source_merchant):
        """``[(merchant, weight)]`` funding the coupons of this trigger (empty: the platform)."""
        self.ensure_one()
        if self.funding == "source":
            return [(source_merchant, 1)] if source_merchant else []
        if self.funding == "partner":
            return [(self.partner_merchant_id, 1)]
        if self.funding == "alliance":
            members = self.alliance_id.member_ids.filtered(lambda m: m.state == "approved" and m.coupon_share > 0)
            return [(member.merchant_id, member.coupon_share) for member in members]
        return []

    def _city_prepare_issue(self, event, counters):
        """The ``_city_issue_coupons`` values for ``event``, or None when a cap or the
        budget is reached. ``counters`` caches the log counts of the batch and is
        updated as coupons are planned (the unique indexes close the race)."""
        self.ensure_one()
        Issue = self.env["city.coupon.issue"].sudo()
        partner = event.partner_id
        budget_slot = False
        if self.budget_qty:
            key = ("budget", self.id)
            if key not in counters:
                counters[key] = Issue._city_count_budget(self)
            if counters[key] >= self.budget_qty:
                return None
            counters[key] += 1
            budget_slot = counters[key]
        cap_key = False
        if self.cap_per_member:
            period = self._city_period_key(event.event_date)
            prefix = f"{self.id}:{partner.id}:{period}:"
            key = ("cap", prefix)
            if key not in counters:
                counters[key] = Issue._city_count_cap(prefix)
            if counters[key] >= self.cap_per_member:
                if budget_slot:
                    counters[("budget", self.id)] -= 1
                return None
            counters[key] += 1
            cap_key = f"{prefix}{counters[key]}"
        funders = self._city_funders(event.merchant_id)
        return {
            "partner_id": partner.id,
            "program_id": self.program_id.id,
            "merchant_id": self.partner_merchant_id.id,
            "source_merchant_id": event.merchant_id.id or False,
            "funder_id": funders[0][0].id if len(funders) == 1 else False,
            "funding": self.funding,
            "trigger_id": self.id,
            "alliance_id": self.alliance_id.id,
            "source_model": event.source_model or event._name,
            "source_res_id": event.source_res_id or event.id,
            "company_id": self.company_id.id,
            "budget_slot": budget_slot,
            "cap_key": cap_key,
            "valid_days": self.coupon_valid_days,
        }

    @api.model
    def _cron_inactive_members(self, batch_size=5000):
        """Daily: append an ``inactive`` event for members whose last paid order is
        ``inactive_days`` old (one per member and trigger day window); the event cron
        issues the coupons (caps and budgets apply there)."""
        triggers = self._city_active_triggers().get("inactive", self.browse())
        if not triggers:
            return
        now = fields.Datetime.now()
        Event = self.env["city.alliance.event"].sudo()
        vals_list = []
        for days in set(triggers.mapped("inactive_days")):
            # Members whose last order fell on the day ``days`` days ago: each is woken once.
            since, until = now - timedelta(days=days + 1), now - timedelta(days=days)
            self.env["sale.order"].flush_model(["partner_id", "city_paid_date"])
            self.env.cr.execute(
                """SELECT partner_id FROM sale_order WHERE city_paid_date IS NOT NULL
                    GROUP BY partner_id HAVING MAX(city_paid_date) >= %s AND MAX(city_paid_date) < %s
                    ORDER BY partner_id LIMIT %s""",
                (since, until, batch_size),
            )
            for (partner_id,) in self.env.cr.fetchall():
                vals_list.append(
                    {
                        "event_type": "inactive",
                        "partner_id": partner_id,
                        "event_date": now,
                        "inactive_days": days,
                        "company_id": self.env.company.id,
                    }
                )
        Event._city_append(vals_list)
