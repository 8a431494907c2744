# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import math
from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.city_base.models.city_district import EARTH_RADIUS_M
from odoo.addons.city_base.tools.api_schema import ApiError

from .city_mp_error import MpError

# Nearby search: at most this many candidates (nearest first by the index) get an exact distance.
MAX_CANDIDATES = 5000
# Along a meridian, on the sphere of the exact distance; the box around the point is 0.1 % wider
# so that a merchant just inside the radius is never cut by it.
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
BOX_MARGIN = 1.001
# Behaviour events older than this are refused (a device that kept them too long).
MAX_EVENT_AGE_DAYS = 7


class ResPartner(models.Model):
    _inherit = "res.partner"

    city_wx_openid = fields.Char(
        string="WeChat OpenID", copy=False, readonly=True, index="btree_not_null", groups="base.group_system"
    )
    city_wx_unionid = fields.Char(
        string="WeChat UnionID", copy=False, readonly=True, index="btree_not_null", groups="base.group_system"
    )

    _sql_constraints = [
        ("city_wx_openid_uniq", "UNIQUE(city_wx_openid)", "A WeChat openid belongs to one member."),
    ]

    def init(self):
        res = super().init()
        # The merchant's location as a PostgreSQL point (x = longitude, y = latitude), kept by the
        # database itself, with a GiST index for box searches and KNN ordering (<->): built in,
        # no extension, usable by any role that may read res_partner. The index holds what the
        # nearby query reads (the point, the id, the category) for the active merchants only:
        # the query is answered from the index, without a visit to the scattered partner rows.
        self.env.cr.execute(
            """
            ALTER TABLE res_partner ADD COLUMN IF NOT EXISTS city_geo_point point
                GENERATED ALWAYS AS (
                    CASE WHEN is_merchant AND (partner_latitude <> 0 OR partner_longitude <> 0)
                         THEN point(partner_longitude::float8, partner_latitude::float8) END
                ) STORED;
            DROP INDEX IF EXISTS res_partner_city_geo_point_gist;
            CREATE INDEX IF NOT EXISTS res_partner_city_geo_point_active_gist
                ON res_partner USING gist (city_geo_point) INCLUDE (id, merchant_category_id)
                WHERE city_geo_point IS NOT NULL AND active;
            """
        )
        return res

    # ------------------------------------------------------------------ members
    @api.model
    def _city_mp_member_from_session(self, openid, unionid=None, referrer_id=None):
        """The member of a WeChat ``openid``, created (with its referrer) on first login."""
        partners_sudo = self.sudo().with_context(active_test=False)
        member_sudo = partners_sudo.search([("city_wx_openid", "=", openid)], limit=1)
        if member_sudo:
            if not member_sudo.active:
                raise MpError("member_disabled", _("This member account is disabled."), status=403)
            if unionid and member_sudo.city_wx_unionid != unionid:
                member_sudo.city_wx_unionid = unionid
            return member_sudo.sudo(False), False
        referrer = self.sudo().browse(referrer_id).exists() if referrer_id else self.browse()
        vals = {
            "name": _("WeChat member"),
            "is_member": True,
            "member_since": fields.Date.context_today(self),
            "city_wx_openid": openid,
            "city_wx_unionid": unionid or False,
            "lang": self.env.lang if self.env.lang in ("zh_CN", "en_US") else "zh_CN",
        }
        if referrer and referrer.is_member:
            vals["city_referrer_id"] = referrer.id
        try:
            with self.env.cr.savepoint():
                member_sudo = partners_sudo.create(vals)
        except psycopg2.errors.UniqueViolation:
            # The same member's first login on two devices at once: the other one created it.
            raise MpError("busy", _("Your account is being created: retry."), status=429, retry_after=1) from None
        return member_sudo.sudo(False), True

    def _city_mp_bind_phone(self, phone_info):
        """Keep the phone number WeChat confirmed for this member."""
        self.ensure_one()
        phone = phone_info.get("purePhoneNumber") or phone_info.get("phoneNumber")
        if not phone:
            raise MpError("wechat_refused", _("WeChat gave no phone number."))
        code = phone_info.get("countryCode")
        self.sudo().write({"phone": f"+{code} {phone}" if code and code != "86" else phone})
        return self.sudo().phone

    def _city_mp_member_to_api(self):
        self.ensure_one()
        member_sudo = self.sudo()
        return {
            "id": member_sudo.id,
            "name": member_sudo.name,
            "phone": member_sudo.phone or None,
            "member_since": fields.Date.to_string(member_sudo.member_since) if member_sudo.member_since else None,
            "referrer_id": member_sudo.city_referrer_id.id or None,
        }

    # ---------------------------------------------------------------- discovery
    @api.model
    def _city_mp_nearby_sql(self, latitude, longitude, radius_m, category_id=None):
        """The SQL of the merchants within ``radius_m`` of a point: ``(id, distance_m)``, nearest first.

        The GiST index on ``city_geo_point`` finds the candidates in a box around
        the point, nearest first (KNN ``<->``, in degrees); the exact great-circle
        distance (haversine) is then computed for those candidates only. The point is
        set for merchants only (a generated column): no ``is_merchant`` test needed.
        """
        dlat = radius_m / METRES_PER_DEGREE * BOX_MARGIN
        dlon = dlat / max(math.cos(math.radians(latitude)), 0.01)
        category = SQL("AND merchant_category_id = %s", category_id) if category_id else SQL()
        return SQL(
            """
            WITH candidates AS (
                SELECT id, city_geo_point[1] AS lat, city_geo_point[0] AS lon
                  FROM res_partner
                 WHERE city_geo_point <@ box(point(%(lon0)s, %(lat0)s), point(%(lon1)s, %(lat1)s))
                   AND city_geo_point IS NOT NULL AND active %(category)s
                 ORDER BY city_geo_point <-> point(%(lon)s, %(lat)s)
                 LIMIT %(max)s
            ), measured AS (
                SELECT id, 2 * %(r)s * asin(least(1, sqrt(
                           power(sin(radians(lat - %(lat)s) / 2), 2)
                           + cos(radians(%(lat)s)) * cos(radians(lat)) * power(sin(radians(lon - %(lon)s) / 2), 2)
                       ))) AS distance
                  FROM candidates
            )
            SELECT id, distance FROM measured WHERE distance <= %(radius)s ORDER BY distance, id
            """,
            lat=latitude,
            lon=longitude,
            lat0=latitude - dlat,
            lat1=latitude + dlat,
            lon0=longitude - dlon,
            lon1=longitude + dlon,
            category=category,
            max=MAX_CANDIDATES,
            r=EARTH_RADIUS_M,
            radius=radius_m,
        )

    @api.model
    def _city_mp_nearby(self, latitude, longitude, radius_m, category_id=None, open_now=False, offset=0, limit=20):
        """``(total, [(merchant, distance_m), ...])``: a page of the merchants near a point."""
        self.env["res.partner"].flush_model(["partner_latitude", "partner_longitude", "is_merchant", "active"])
        self.env.cr.execute(self._city_mp_nearby_sql(latitude, longitude, radius_m, category_id))
        rows = self.env.cr.fetchall()
        if open_now:
            merchants_sudo = self.sudo().browse([row[0] for row in rows])
            merchants_sudo.fetch(["tz"])
            open_ids = {m.id for m in merchants_sudo if m._is_open_at()}
            rows = [row for row in rows if row[0] in open_ids]
        page = rows[offset : offset + limit]
        merchants_sudo = self.sudo().browse([row[0] for row in page])
        return len(rows), list(zip(merchants_sudo, [round(row[1]) for row in page], strict=True))

    def _city_mp_merchant_to_api(self, distance_m=None, detail=False):
        self.ensure_one()
        merchant_sudo = self.sudo()
        result = {
            "id": merchant_sudo.id,
            "name": merchant_sudo.name,
            "category": {"id": merchant_sudo.merchant_category_id.id, "name": merchant_sudo.merchant_category_id.name}
            if merchant_sudo.merchant_category_id
            else None,
            "district_id": merchant_sudo.district_id.id or None,
            "latitude": merchant_sudo.partner_latitude,
            "longitude": merchant_sudo.partner_longitude,
            "address": ", ".join(filter(None, [merchant_sudo.street, merchant_sudo.street2, merchant_sudo.city])),
            "open_now": merchant_sudo._is_open_at(),
            "opening_hours": merchant_sudo.opening_hours_summary or "",
        }
        if distance_m is not None:
            result["distance_m"] = distance_m
        if detail:
            result["intro"] = merchant_sudo.merchant_intro or ""
            result["phone"] = merchant_sudo.phone or None
        return result

    @api.model
    def _city_mp_get_merchant(self, merchant_id):
        """The active merchant ``merchant_id`` (sudo), or :class:`MpError` 404."""
        merchant_sudo = self.sudo().browse(merchant_id).exists()
        if not merchant_sudo or not merchant_sudo.is_merchant or not merchant_sudo.active:
            raise MpError("not_found", _("No such merchant."), status=404)
        return merchant_sudo

    # ---------------------------------------------------------------- coupons
    def _city_mp_cards(self, offset=0, limit=20):
        """``(total, items)``: a page of the member's Odoo loyalty cards, newest first, the
        alliance's among them once claimed (an unclaimed one is in the available coupons)."""
        self.ensure_one()
        # sudo: the authenticated member's own cards only (domain on the member).
        issues_sudo = self.env["city.coupon.issue"].sudo().search([("partner_id", "=", self.id)])
        hidden = issues_sudo.filtered(lambda i: i.state == "issued").card_id
        domain = [("partner_id", "=", self.id), ("id", "not in", hidden.ids)]
        cards_sudo = self.env["loyalty.card"].sudo()
        found = cards_sudo.search(domain, offset=offset, limit=limit, order="id desc")
        by_card = {issue.card_id.id: issue for issue in issues_sudo}
        today = fields.Date.context_today(self)
        items = []
        for card in found:
            issue = by_card.get(card.id)
            merchant = issue.merchant_id if issue else card.program_id.city_merchant_id
            if issue:
                state = issue.state
            elif card.expiration_date and card.expiration_date < today:
                state = "expired"
            else:
                state = "valid" if card.points > 0 else "used"
            items.append(
                {
                    "id": card.id,
                    "code": card.code,
                    "program": card.program_id.name,
                    "merchant": {"id": merchant.id, "name": merchant.name} if merchant else None,
                    "source": "alliance" if issue else "loyalty",
                    "state": state,
                    "points": card.points,
                    "expiration_date": fields.Date.to_string(card.expiration_date) or None,
                    "coupon_id": issue.id if issue else None,
                }
            )
        return cards_sudo.search_count(domain), items

    # ---------------------------------------------------------------- events
    def _city_mp_log_events(self, events, location_allowed):
        """Record the member's batch of behaviour events (city_base's ``city.member.event``):
        the number recorded (an event already recorded under its client id is not again).

        ``events`` are the request's (validated) items; coordinates are kept only when the
        member allowed the location; a merchant or product that does not exist is refused.
        """
        self.ensure_one()
        oldest = fields.Datetime.now() - timedelta(days=MAX_EVENT_AGE_DAYS)
        latest = fields.Datetime.now() + timedelta(minutes=5)
        merchant_ids = {e.merchant_id for e in events if e.merchant_id}
        template_ids = {e.product_id for e in events if e.product_id}
        # sudo: merchants and products on sale are public; only their existence is checked.
        merchants = set(self.sudo().search([("id", "in", list(merchant_ids)), ("is_merchant", "=", True)]).ids)
        variants = {
            p.product_tmpl_id.id: p.id
            for p in self.env["product.product"].sudo().search([("product_tmpl_id", "in", list(template_ids))])
        }
        vals_list = []
        for index, event in enumerate(events):
            if event.merchant_id and event.merchant_id not in merchants:
                raise ApiError("unknown_merchant", _("Event %s: no such merchant.", index + 1))
            if event.product_id and event.product_id not in variants:
                raise ApiError("unknown_product", _("Event %s: no such product.", index + 1))
            if not oldest <= event.occurred_at <= latest:
                raise ApiError(
                    "invalid_time", _("Event %s: an event is taken up to 7 days after it happened.", index + 1)
                )
            vals = {
                "partner_id": self.id,
                "event_type": event.type,
                "client_event_id": event.client_event_id,
                "occurred_at": event.occurred_at,
                "merchant_id": event.merchant_id,
                "product_id": variants.get(event.product_id),
                "search_term": event.search_term,
            }
            if location_allowed and event.latitude is not None and event.longitude is not None:
                vals.update(latitude=event.latitude, longitude=event.longitude)
            vals_list.append(vals)
        return self.env["city.member.event"]._city_log_client_events(vals_list)
