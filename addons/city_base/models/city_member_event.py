# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

EVENT_TYPES = [
    ("view_merchant", "Viewed a Merchant"),
    ("view_product", "Viewed a Product"),
    ("search", "Searched"),
    ("sign_in", "Signed In"),
    ("share", "Shared"),
    ("location", "Reported a Location"),
    ("add_to_cart", "Added to Cart"),
    ("claim_coupon", "Claimed a Coupon"),
    ("click_coupon", "Clicked a Coupon"),
    ("share_coupon", "Shared a Coupon"),
    ("open_app", "Opened the Mini-program"),
]


# The columns of an event that the mini-program's batches fill, besides its time and client id.
CLIENT_EVENT_COLUMNS = (
    "partner_id",
    "event_type",
    "merchant_id",
    "product_id",
    "search_term",
    "latitude",
    "longitude",
    "company_id",
)
EVENT_FIELDS = frozenset({*CLIENT_EVENT_COLUMNS, "occurred_at"})


class CityMemberEvent(models.Model):
    """One behaviour event of a member in the mini-program (append-only).

    Written in bulk by the mini-program API through :meth:`_city_log_events`;
    read by set-based SQL (segments, recommendations, the cockpit). A lean
    model: no mail thread, no computed fields, nothing written after insert.
    """

    _name = "city.member.event"
    _description = "Member Behaviour Event"
    _order = "occurred_at desc, id desc"
    _rec_name = "event_type"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Member", required=True, ondelete="cascade", readonly=True)
    event_type = fields.Selection(EVENT_TYPES, string="Type", required=True, readonly=True)
    merchant_id = fields.Many2one(
        "res.partner", ondelete="set null", index="btree_not_null", readonly=True, domain=[("is_merchant", "=", True)]
    )
    product_id = fields.Many2one("product.product", ondelete="set null", readonly=True)
    search_term = fields.Char(readonly=True)
    latitude = fields.Float(digits=(10, 7), readonly=True)
    longitude = fields.Float(digits=(10, 7), readonly=True)
    occurred_at = fields.Datetime(string="Occurred", required=True, readonly=True, default=fields.Datetime.now)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade", default=lambda self: self.env.company
    )
    client_event_id = fields.Char(
        readonly=True, help="The mini-program's id of the event: an event sent twice is recorded once."
    )

    _sql_constraints = [
        (
            "coordinates_range",
            "CHECK(latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            "Latitude must be between -90 and 90 and longitude between -180 and 180.",
        ),
    ]

    def init(self):
        # The segment and recommendation rules read a member's events by time, and
        # the events of one type across members by time.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS city_member_event_partner_time_idx"
                " ON city_member_event (partner_id, occurred_at)"
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS city_member_event_type_time_idx"
                " ON city_member_event (company_id, event_type, occurred_at)"
            )
        )
        # A batch the mini-program sends again (lost answer, retry) is recorded once.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS city_member_event_client_uniq"
                " ON city_member_event (partner_id, client_event_id) WHERE client_event_id IS NOT NULL"
            )
        )

    def write(self, vals):
        if vals:
            raise UserError(_("Member behaviour events are append-only: they cannot be changed."))
        return super().write(vals)

    @api.model
    def _city_clean_events(self, vals_list, allowed=EVENT_FIELDS):
        """``vals_list`` checked (type, fields, member, coordinates), with the company set.

        :raise ValidationError: on an unknown type or field, or a missing member
        """
        types = {key for key, _label in EVENT_TYPES}
        clean = []
        for vals in vals_list:
            unknown = set(vals) - allowed
            if unknown:
                raise ValidationError(_("Unknown event fields: %s", ", ".join(sorted(unknown))))
            if vals.get("event_type") not in types:
                raise ValidationError(_("Unknown event type: %s", vals.get("event_type")))
            if not vals.get("partner_id"):
                raise ValidationError(_("A behaviour event needs a member."))
            for key, limit in (("latitude", 90), ("longitude", 180)):
                value = vals.get(key) or 0.0
                if not isinstance(value, (int, float)) or not -limit <= value <= limit:
                    raise ValidationError(_("Invalid coordinates: %(key)s %(value)s", key=key, value=value))
            clean.append({"company_id": self.env.company.id, **vals})
        partner_ids = {vals["partner_id"] for vals in clean}
        if len(self.env["res.partner"].sudo().browse(partner_ids).exists()) != len(partner_ids):
            raise ValidationError(_("A behaviour event names a member that does not exist."))
        return clean

    @api.model
    def _city_log_events(self, vals_list):
        """Record member behaviour events in one batch (for the mini-program API).

        :param vals_list: dicts with ``partner_id``, ``event_type`` and optionally
            ``merchant_id``, ``product_id``, ``search_term``, ``latitude``,
            ``longitude``, ``occurred_at`` (naive UTC, default now), ``company_id``
            (default the current company)
        :return: the created events
        :raise ValidationError: on an unknown type or field, or a missing member
        """
        clean = self._city_clean_events(vals_list)
        # The API authenticated the member; events are written by no user through RPC.
        return self.sudo().create(clean)

    @api.model
    def _city_log_client_events(self, vals_list):
        """Record a batch the mini-program sent, each event once per ``client_event_id``, and
        move the members' last activity (``res.partner.city_last_activity``) forward: one
        statement (an ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`` of the batch's
        columns as arrays, then the update of the members whose events were recorded), so a
        batch sent again adds nothing and touches no member.

        :param vals_list: as :meth:`_city_log_events`, each with ``client_event_id`` and ``occurred_at``
        :return: the number of events recorded (those not already recorded)
        """
        clean = self._city_clean_events(vals_list, allowed=EVENT_FIELDS | {"client_event_id"})
        if not clean:
            return 0
        now = fields.Datetime.now()
        columns = {name: [vals.get(name) or None for vals in clean] for name in CLIENT_EVENT_COLUMNS}
        columns["occurred_at"] = [vals.get("occurred_at") or now for vals in clean]
        columns["client_event_id"] = [str(vals["client_event_id"]) for vals in clean]
        partners = self.env["res.partner"]
        partners.flush_model(["city_last_activity"])
        self.env.cr.execute(
            SQL(
                """WITH recorded AS (
                       INSERT INTO city_member_event (partner_id, event_type, merchant_id, product_id, search_term,
                              latitude, longitude, occurred_at, company_id, client_event_id,
                              create_uid, create_date, write_uid, write_date)
                       SELECT e.*, %(uid)s, %(now)s, %(uid)s, %(now)s
                         FROM unnest(%(partner_id)s::int[], %(event_type)s::varchar[], %(merchant_id)s::int[],
                                     %(product_id)s::int[], %(search_term)s::varchar[], %(latitude)s::numeric[],
                                     %(longitude)s::numeric[], %(occurred_at)s::timestamp[], %(company_id)s::int[],
                                     %(client_event_id)s::varchar[]) AS e
                       ON CONFLICT (partner_id, client_event_id) WHERE client_event_id IS NOT NULL DO NOTHING
                       RETURNING partner_id, occurred_at
                   ), latest AS (
                       SELECT partner_id, max(occurred_at) AS at, count(*) AS recorded FROM recorded GROUP BY partner_id
                   ), touched AS (
                       UPDATE res_partner p SET city_last_activity = latest.at FROM latest
                        WHERE p.id = latest.partner_id
                          AND (p.city_last_activity IS NULL OR p.city_last_activity < latest.at)
                   )
                   SELECT COALESCE(sum(recorded), 0)::int FROM latest""",
                uid=self.env.uid,
                now=now,
                **columns,
            )
        )
        recorded = self.env.cr.fetchone()[0]
        partners.browse(set(columns["partner_id"])).invalidate_recordset(["city_last_activity"])
        return recorded
