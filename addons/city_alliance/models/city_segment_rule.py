# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.models.city_member_event import EVENT_TYPES

DEFAULT_TZ = "Asia/Shanghai"
EARTH_RADIUS_M = 6371008.8

KINDS = [
    ("activity", "Activity in a Window"),
    ("first_order", "First Order in a Window (New)"),
    ("inactive", "No Activity for a Window (Sleeping)"),
    ("decline", "Activity Falling (Churn Risk)"),
    ("coupon_share", "Share of Orders with a Coupon (Price-sensitive)"),
]
SOURCES = [
    ("order", "Paid Orders"),
    ("redemption", "Ticket Redemptions"),
    ("event", "Behaviour Events"),
]
MEASURES = [
    ("count", "Number"),
    ("amount", "Amount (CNY)"),
    ("days", "Distinct Days"),
]
DAY_FILTERS = [
    ("all", "Every Day"),
    ("weekday", "Monday to Friday"),
    ("weekend", "Saturday and Sunday"),
]


def haversine_sql(lat1, lon1, lat2, lon2):
    """The great-circle distance in metres between two points, as an SQL expression."""
    return SQL(
        "(2 * %(r)s * ASIN(LEAST(1, SQRT(POWER(SIN(RADIANS(%(lat2)s - %(lat1)s) / 2), 2)"
        " + COS(RADIANS(%(lat1)s)) * COS(RADIANS(%(lat2)s)) * POWER(SIN(RADIANS(%(lon2)s - %(lon1)s) / 2), 2)))))",
        r=EARTH_RADIUS_M,
        lat1=lat1,
        lon1=lon1,
        lat2=lat2,
        lon2=lon2,
    )


def member_place_sql(partner_id, company_id):
    """The member's place: ``(join, latitude, longitude)`` SQL for the member ``partner_id``
    (an SQL expression): the last reported location, else the address's coordinates.
    The join uses the aliases ``mp`` and ``loc``."""
    join = SQL(
        """JOIN res_partner mp ON mp.id = %(partner)s
           LEFT JOIN LATERAL (
                SELECT l.latitude, l.longitude FROM city_member_event l
                 WHERE l.partner_id = %(partner)s AND l.event_type = 'location'
                   AND l.company_id = %(company)s
                 ORDER BY l.occurred_at DESC LIMIT 1) loc ON TRUE""",
        partner=partner_id,
        company=company_id,
    )
    lat = SQL("COALESCE(loc.latitude, NULLIF(mp.partner_latitude, 0))")
    lon = SQL("COALESCE(loc.longitude, NULLIF(mp.partner_longitude, 0))")
    return join, lat, lon


class CitySegmentRule(models.Model):
    """One condition of a segment, with the parameters an Operator edits.

    Each rule compiles to one set-based ``SELECT partner_id`` over the orders
    (``city_escrow``: one row per paid order line with its merchant), the ticket
    redemptions (``city_ticket_redemption``) and the members' behaviour events
    (``city_member_event``) of the segment's company.
    """

    _name = "city.segment.rule"
    _description = "Member Segment Rule"
    _order = "segment_id, sequence, id"

    segment_id = fields.Many2one("city.segment", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="segment_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    negate = fields.Boolean(string="Exclude Matching Members", help="Members this rule selects are left out.")
    kind = fields.Selection(KINDS, required=True, default="activity")
    source = fields.Selection(SOURCES, required=True, default="order")
    measure = fields.Selection(MEASURES, required=True, default="count")
    event_type = fields.Selection(EVENT_TYPES, help="For behaviour events: only this type (empty: any).")
    category_ids = fields.Many2many("city.merchant.category", string="Merchant Categories")
    product_categ_ids = fields.Many2many("product.category", string="Product Categories")
    day_filter = fields.Selection(DAY_FILTERS, string="Days", required=True, default="all")
    hour_from = fields.Float(string="From (local time)", default=0.0)
    hour_to = fields.Float(string="To (local time)", default=24.0, help="Before From: the period runs past midnight.")
    window_days = fields.Integer(string="Window (days)", required=True, default=30)
    baseline_days = fields.Integer(
        string="Baseline (days)", default=28, help="Churn risk: the period before the window it is compared with."
    )
    min_value = fields.Float(string="At Least", default=1.0)
    max_value = fields.Float(string="At Most", help="0: no upper limit.")
    percent = fields.Float(
        help="Price-sensitive: the share of orders with a coupon, at least. Churn risk: the fall below the "
        "baseline's daily rate, at least."
    )
    radius_m = fields.Integer(
        string="Within (m)",
        help="Only activity at merchants within this distance of the member's last reported location "
        "(or address); 0: anywhere.",
    )
    summary = fields.Char(compute="_compute_summary")

    _sql_constraints = [
        ("window_positive", "CHECK(window_days > 0)", "The window of a segment rule must be at least one day."),
        ("radius_positive", "CHECK(radius_m >= 0)", "The radius of a segment rule cannot be negative."),
    ]

    @api.constrains("hour_from", "hour_to", "baseline_days", "percent", "min_value", "max_value", "kind", "source")
    def _check_parameters(self):
        for rule in self:
            if not (0 <= rule.hour_from < 24 and 0 < rule.hour_to <= 24):
                raise ValidationError(_("The hours of a segment rule must lie between 00:00 and 24:00."))
            if rule.kind == "decline" and rule.baseline_days <= 0:
                raise ValidationError(_("A churn-risk rule needs a baseline of at least one day."))
            if not 0 <= rule.percent <= 100:
                raise ValidationError(_("A percentage must lie between 0 and 100."))
            if rule.min_value < 0 or rule.max_value < 0:
                raise ValidationError(_("The limits of a segment rule cannot be negative."))
            if rule.kind == "coupon_share" and rule.source != "order":
                raise ValidationError(_("The share of orders with a coupon is measured on paid orders."))
            if rule.max_value and rule.max_value < rule.min_value:
                raise ValidationError(_("The upper limit of a segment rule is below its lower limit."))

    @api.depends("kind", "source", "measure", "window_days", "min_value", "max_value", "percent", "radius_m")
    def _compute_summary(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        sources = dict(self._fields["source"]._description_selection(self.env))
        for rule in self:
            text = _(
                "%(kind)s · %(source)s · %(days)s days",
                kind=kinds.get(rule.kind),
                source=sources.get(rule.source),
                days=rule.window_days,
            )
            if rule.radius_m:
                text += " · " + _("within %s m", rule.radius_m)
            rule.summary = ("¬ " if rule.negate else "") + text

    # ------------------------------------------------------------
    # SQL
    # ------------------------------------------------------------

    def _tz(self):
        return self.segment_id.company_id.partner_id.tz or DEFAULT_TZ

    def _touch_sql(self, until, since=None):
        """The rows of the rule's source with its filters: partner_id, at, local, amount, ref.

        ``since`` (naive UTC) bounds the rows by time; the filters on categories,
        days, hours and distance apply here so that every kind of rule shares them.
        """
        self.ensure_one()
        company = self.segment_id.company_id.id
        if self.source == "order":
            base = SQL(
                """SELECT e.partner_id, e.merchant_id, e.paid_date AS at,
                          (e.amount_paid - e.amount_refunded - e.amount_reversed) AS amount,
                          e.order_id AS ref, e.product_id
                     FROM city_escrow e
                    WHERE e.company_id = %(company)s AND e.partner_id IS NOT NULL AND e.paid_date IS NOT NULL
                      AND e.amount_paid > e.amount_refunded""",
                company=company,
            )
        elif self.source == "redemption":
            base = SQL(
                """SELECT r.partner_id, r.merchant_id, r.create_date AS at, r.amount_fen / 100.0 AS amount,
                          r.id AS ref, t.product_id
                     FROM city_ticket_redemption r
                     JOIN city_ticket t ON t.id = r.ticket_id
                    WHERE t.company_id = %(company)s AND r.partner_id IS NOT NULL""",
                company=company,
            )
        else:
            base = SQL(
                """SELECT ev.partner_id, ev.merchant_id, ev.occurred_at AS at, 0.0 AS amount,
                          ev.id AS ref, ev.product_id
                     FROM city_member_event ev
                    WHERE ev.company_id = %(company)s""",
                company=company,
            )
            if self.event_type:
                base = SQL("%s AND ev.event_type = %s", base, self.event_type)
        conditions = [SQL("TRUE")]
        joins = []
        conditions.append(SQL("src.at < %s", until))
        if since:
            conditions.append(SQL("src.at >= %s", since))
        if self.category_ids or self.radius_m:
            joins.append(SQL("JOIN res_partner m ON m.id = src.merchant_id"))
        if self.category_ids:
            conditions.append(SQL("m.merchant_category_id = ANY(%s)", self.category_ids.ids))
        if self.product_categ_ids:
            categ_ids = self.env["product.category"].sudo().search([("id", "child_of", self.product_categ_ids.ids)]).ids
            joins.append(SQL("JOIN product_product pp ON pp.id = src.product_id"))
            joins.append(SQL("JOIN product_template pt ON pt.id = pp.product_tmpl_id"))
            conditions.append(SQL("pt.categ_id = ANY(%s)", categ_ids))
        local = SQL("((src.at AT TIME ZONE 'UTC') AT TIME ZONE %s)", self._tz())
        if self.day_filter == "weekday":
            conditions.append(SQL("EXTRACT(ISODOW FROM %s) < 6", local))
        elif self.day_filter == "weekend":
            conditions.append(SQL("EXTRACT(ISODOW FROM %s) >= 6", local))
        if self.hour_from > 0 or self.hour_to < 24:
            hour = SQL("(EXTRACT(HOUR FROM %s) + EXTRACT(MINUTE FROM %s) / 60.0)", local, local)
            if self.hour_from < self.hour_to:
                conditions.append(SQL("%s >= %s AND %s < %s", hour, self.hour_from, hour, self.hour_to))
            else:
                conditions.append(SQL("(%s >= %s OR %s < %s)", hour, self.hour_from, hour, self.hour_to))
        if self.radius_m:
            place_join, lat, lon = member_place_sql(SQL("src.partner_id"), company)
            joins.append(place_join)
            conditions.append(
                SQL(
                    "%s <= %s",
                    haversine_sql(lat, lon, SQL("m.partner_latitude"), SQL("m.partner_longitude")),
                    self.radius_m,
                )
            )
        return SQL(
            "SELECT src.partner_id, src.at, %(local)s AS local, src.amount, src.ref FROM (%(base)s) src %(joins)s"
            " WHERE %(where)s",
            local=local,
            base=base,
            joins=SQL(" ").join(joins),
            where=SQL(" AND ").join(conditions),
        )

    def _measure_sql(self):
        if self.measure == "amount":
            return SQL("SUM(t.amount)")
        if self.measure == "days":
            return SQL("COUNT(DISTINCT t.local::date)")
        return SQL("COUNT(DISTINCT t.ref)")

    def _limits_sql(self, value):
        limits = [SQL("%s >= %s", value, self.min_value)]
        if self.max_value:
            limits.append(SQL("%s <= %s", value, self.max_value))
        return SQL(" AND ").join(limits)

    def _city_select_sql(self, now):
        """``SELECT partner_id`` of the members the rule selects at ``now`` (naive UTC)."""
        self.ensure_one()
        since = now - timedelta(days=self.window_days)
        if self.kind == "activity":
            return SQL(
                "SELECT t.partner_id FROM (%s) t GROUP BY t.partner_id HAVING %s",
                self._touch_sql(now, since),
                self._limits_sql(self._measure_sql()),
            )
        if self.kind == "first_order":
            return SQL(
                "SELECT t.partner_id FROM (%s) t GROUP BY t.partner_id HAVING MIN(t.at) >= %s",
                self._touch_sql(now),
                since,
            )
        if self.kind == "inactive":
            return SQL(
                "SELECT t.partner_id FROM (%s) t GROUP BY t.partner_id HAVING MAX(t.at) < %s AND %s",
                self._touch_sql(now),
                since,
                self._limits_sql(self._measure_sql()),
            )
        if self.kind == "decline":
            start = since - timedelta(days=self.baseline_days)
            recent = SQL("COUNT(DISTINCT t.ref) FILTER (WHERE t.at >= %s)", since)
            base = SQL("COUNT(DISTINCT t.ref) FILTER (WHERE t.at < %s)", since)
            return SQL(
                """SELECT t.partner_id FROM (%(touch)s) t GROUP BY t.partner_id
                   HAVING %(base)s >= %(min)s
                      AND %(recent)s * %(baseline_days)s < (1 - %(pct)s / 100.0) * %(base)s * %(window_days)s""",
                touch=self._touch_sql(now, start),
                base=base,
                recent=recent,
                min=self.min_value,
                baseline_days=self.baseline_days,
                window_days=self.window_days,
                pct=self.percent,
            )
        # coupon_share: orders paid with a coupon or promotion (a reward line on the order)
        with_coupon = SQL(
            """COUNT(DISTINCT t.ref) FILTER (WHERE EXISTS (
                   SELECT 1 FROM sale_order_line sol WHERE sol.order_id = t.ref AND sol.reward_id IS NOT NULL))"""
        )
        return SQL(
            """SELECT t.partner_id FROM (%(touch)s) t GROUP BY t.partner_id
               HAVING COUNT(DISTINCT t.ref) >= %(min)s AND %(coupon)s * 100.0 >= %(pct)s * COUNT(DISTINCT t.ref)""",
            touch=self._touch_sql(now, since),
            min=self.min_value,
            coupon=with_coupon,
            pct=self.percent,
        )
