# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The cockpit's figures: set-based SQL over the rollups (and a few small base tables).

Every read goes through :meth:`CityDashboard._city_scope`, which turns the filters a
client sends into the companies and merchants the user may see: a merchant's staff
gets their own merchant whatever ids they send, platform staff the district. SQL
bypasses record rules, so this scope is applied in every statement here.
"""

import datetime
import io
import zoneinfo
from dataclasses import dataclass

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools.access import ANY_ROLE, PLATFORM, check_groups

from ..tools import xlsx

DEFAULT_DAYS = 28
MAX_DAYS = 366
MEASURES = ("visits", "orders", "redemptions", "gmv")
BEHAVIOUR_VIEWS = ("view_merchant", "view_product")


@dataclass
class Scope:
    company_ids: list
    merchant_ids: list
    district: bool  # the whole district: the platform's own points (no merchant) count too
    date_from: datetime.date
    date_to: datetime.date
    measure: str
    whole_district: bool = False  # every merchant of the (one) company: the district's own rollups
    category_id: int = None  # the platform's scope is one category's merchants: its gap rollup may answer

    @property
    def days(self):
        return (self.date_to - self.date_from).days + 1

    @property
    def previous(self):
        """The period of the same length just before."""
        prev_to = self.date_from - datetime.timedelta(days=1)
        return prev_to - datetime.timedelta(days=self.days - 1), prev_to


def _ratio(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def _change(current, previous):
    if current is None or previous in (None, 0):
        return None
    return round((current - previous) / abs(previous), 4)


class CityDashboard(models.AbstractModel):
    _name = "city.dashboard"
    _description = "Data Cockpit"

    # --- the cockpit's one call -------------------------------------------------

    @api.model
    @api.readonly
    def get_cockpit_data(self, filters=None):
        """Everything the cockpit shows, for ``filters`` (``date_from``, ``date_to`` as local
        ``YYYY-MM-DD``, ``merchant_ids``, ``category_ids``, ``measure`` of the heat map).

        Readonly (served from a replica when one is configured); scoped to the user's
        merchant for merchant staff, whatever ids ``filters`` names.
        """
        check_groups(self.env, *ANY_ROLE)
        self.env.flush_all()  # the SQL below reads the tables
        scope = self._city_scope(filters or {})
        totals = self._city_merchant_totals(scope)
        return {
            "filters": {
                "date_from": fields.Date.to_string(scope.date_from),
                "date_to": fields.Date.to_string(scope.date_to),
                "merchant_ids": (filters or {}).get("merchant_ids") or [],
                "category_ids": (filters or {}).get("category_ids") or [],
                "measure": scope.measure,
            },
            "options": self._city_options(),
            "kpis": self._city_kpis(scope),
            "heatmap": self._city_heatmap(scope),
            "daily": self._city_daily(scope),
            "categories": self._city_categories(scope, totals),
            "merchants": self._city_map(scope, totals),
            "funnels": self._city_funnels(scope),
            "alliance": self._city_alliance(scope),
            "campaigns": self._city_campaigns(scope),
            "currency": self.env.company.currency_id.symbol or "¥",
        }

    # --- scope ------------------------------------------------------------------------

    @api.model
    def _city_is_platform(self):
        return self.env.su or any(self.env.user.has_group(group) for group in PLATFORM)

    @api.model
    def _city_merchant_domain(self):
        domain = [("is_merchant", "=", True)]
        if not self._city_is_platform():
            domain.append(("id", "=", self.env.user.merchant_id.id or 0))
        return domain

    @api.model
    def _city_scope(self, filters):
        tz = self.env["city.dashboard.rollup"]._city_tz()
        today = fields.Datetime.context_timestamp(self.with_context(tz=tz), fields.Datetime.now()).date()
        try:
            date_to = fields.Date.to_date(filters.get("date_to")) or today
            date_from = fields.Date.to_date(filters.get("date_from")) or date_to - datetime.timedelta(
                days=DEFAULT_DAYS - 1
            )
        except (TypeError, ValueError) as exc:
            raise UserError(_("The cockpit's dates must be given as YYYY-MM-DD.")) from exc
        if date_from > date_to or (date_to - date_from).days >= MAX_DAYS:
            raise UserError(_("Choose a period of one day to one year, its start before its end."))
        domain = self._city_merchant_domain()
        requested = [int(i) for i in filters.get("merchant_ids") or [] if str(i).isdigit()]
        categories = [int(i) for i in filters.get("category_ids") or [] if str(i).isdigit()]
        if requested:
            domain.append(("id", "in", requested))
        if categories:
            domain.append(("merchant_category_id", "in", categories))
        # sudo: the merchants' ids only, within the domain built above from the user's rights.
        merchants_sudo = self.env["res.partner"].sudo().with_context(active_test=False).search(domain)
        measure = filters.get("measure") if filters.get("measure") in MEASURES else "visits"
        return Scope(
            company_ids=self.env.companies.ids,
            merchant_ids=merchants_sudo.ids,
            district=self._city_is_platform() and not requested and not categories,
            date_from=date_from,
            date_to=date_to,
            measure=measure,
            whole_district=self._city_covers_district(self.env.companies.ids, merchants_sudo.ids),
            category_id=categories[0] if len(categories) == 1 and not requested and self._city_is_platform() else None,
        )

    @api.model
    def _city_covers_district(self, company_ids, merchant_ids):
        """Whether ``merchant_ids`` hold every merchant with activity in the slot rollup (a superset of
        those of the member rollup), for one company: the district's figures then read its own
        rollups (district slots, member gaps). The merchants are listed by skipping along the slot
        rollup's key index (one probe per merchant)."""
        if len(company_ids) != 1:
            return False
        [(covers,)] = self._city_fetch(
            SQL(
                """
                WITH RECURSIVE seen(id) AS (
                    SELECT MIN(merchant_id) FROM city_dashboard_slot
                    UNION ALL
                    SELECT (SELECT MIN(m.merchant_id) FROM city_dashboard_slot m WHERE m.merchant_id > seen.id)
                      FROM seen WHERE seen.id IS NOT NULL
                )
                SELECT NOT EXISTS (SELECT 1 FROM seen WHERE id IS NOT NULL AND id != ALL(%s))
                """,
                merchant_ids,
            )
        )
        return covers

    @api.model
    def _city_options(self):
        # sudo: names of the merchants the user may see (the domain is the user's scope).
        merchants_sudo = self.env["res.partner"].sudo().search(self._city_merchant_domain(), order="name")
        categories = merchants_sudo.merchant_category_id.sorted(lambda c: (c.sequence, c.id))
        return {
            "merchants": [{"id": m.id, "name": m.name} for m in merchants_sudo],
            "categories": [{"id": c.id, "name": c.name} for c in categories],
            "measures": [
                {"id": "visits", "name": _("Orders and redemptions")},
                {"id": "orders", "name": _("Orders")},
                {"id": "redemptions", "name": _("Redemptions")},
                {"id": "gmv", "name": _("GMV")},
            ],
            "is_platform": self._city_is_platform(),
        }

    def _city_fetch(self, query):
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    def _city_slot_where(self, scope, date_from=None, date_to=None, alias="s"):
        return SQL(
            "%s.company_id = ANY(%s) AND %s.merchant_id = ANY(%s) AND %s.day BETWEEN %s AND %s",
            SQL.identifier(alias),
            scope.company_ids,
            SQL.identifier(alias),
            scope.merchant_ids,
            SQL.identifier(alias),
            date_from or scope.date_from,
            date_to or scope.date_to,
        )

    def _city_slots(self, scope, date_from=None, date_to=None):
        """FROM and WHERE of the scope's slots over the period (alias ``s``): the district's sums
        when the scope holds every merchant, else the scope's merchants' slots."""
        if not scope.whole_district:
            return SQL("city_dashboard_slot s WHERE %s", self._city_slot_where(scope, date_from, date_to))
        return SQL(
            "city_dashboard_district_slot s WHERE s.company_id = %s AND s.day BETWEEN %s AND %s",
            scope.company_ids[0],
            date_from or scope.date_from,
            date_to or scope.date_to,
        )

    # --- KPIs ---------------------------------------------------------------------

    @api.model
    def _city_kpis(self, scope):
        current = self._city_kpi_values(scope, scope.date_from, scope.date_to)
        previous = self._city_kpi_values(scope, *scope.previous)
        current.update(self._city_balances(scope))
        labels = self._city_kpi_labels()
        return [
            {
                "key": key,
                "label": label,
                "format": fmt,
                "value": current.get(key),
                "previous": previous.get(key),
                "change": _change(current.get(key), previous.get(key)),
            }
            for key, label, fmt in labels
        ]

    @api.model
    def _city_kpi_labels(self):
        return [
            ("gmv", _("GMV"), "money"),
            ("orders", _("Orders"), "int"),
            ("aov", _("Average Order Value"), "money"),
            ("new_members", _("New Members"), "int"),
            ("returning_members", _("Returning Members"), "int"),
            ("repurchase_rate", _("Repurchase Rate"), "pct"),
            ("coupon_redemption_rate", _("Coupon Redemption Rate"), "pct"),
            ("points_issued", _("Points Issued"), "int"),
            ("points_redeemed", _("Points Redeemed"), "int"),
            ("points_expired", _("Points Expired"), "int"),
            ("redemptions", _("Tickets Redeemed"), "int"),
            ("escrow_outstanding", _("Escrow Outstanding"), "money"),
            ("settlements_due", _("Settlements Due"), "money"),
        ]

    @api.model
    def _city_kpi_values(self, scope, date_from, date_to):
        [(orders, gmv, redemptions)] = self._city_fetch(
            SQL(
                "SELECT COALESCE(SUM(orders), 0), COALESCE(SUM(gmv), 0), COALESCE(SUM(redemptions), 0) FROM %s",
                self._city_slots(scope, date_from, date_to),
            )
        )
        values = {
            "orders": orders,
            "gmv": round(float(gmv), 2),
            "aov": round(float(gmv) / orders, 2) if orders else None,
            "redemptions": redemptions,
        }
        values.update(self._city_member_values(scope, date_from, date_to))
        values.update(self._city_points_values(scope, date_from, date_to))
        values.update(self._city_coupon_values(scope, date_from, date_to))
        return values

    @api.model
    def _city_member_values(self, scope, date_from, date_to):
        if scope.whole_district:
            active, repeat, new = self._city_district_member_counts(scope, date_from, date_to)
        elif len(scope.merchant_ids) == 1 and len(scope.company_ids) == 1:
            active, repeat, new = self._city_merchant_member_counts(scope, date_from, date_to)
        elif self._city_category_counted(scope):
            active, repeat, new = self._city_category_member_counts(scope, date_from, date_to)
        else:
            active, repeat, new = self._city_scope_member_counts(scope, date_from, date_to)
        return {
            "active_members": active,
            "new_members": new,
            "returning_members": active - new,
            "repurchase_rate": _ratio(repeat, active),
        }

    @api.model
    def _city_district_member_counts(self, scope, date_from, date_to):
        """(active, with two orders or more, new) members of the district over the period, as sums over
        the gap rollup (city_dashboard_member_gap.py): each active member's first visit of the period is
        the one whose previous visit is before ``date_from``."""
        return self._city_gap_member_counts(
            SQL("city_dashboard_member_gap WHERE company_id = %s", scope.company_ids[0]), date_from, date_to
        )

    @api.model
    def _city_merchant_member_counts(self, scope, date_from, date_to):
        """(active, with two orders or more, new) members of the scope's one merchant (in one company)
        over the period, as sums over its gap rows (city_dashboard_merchant_gap.py)."""
        return self._city_gap_member_counts(
            SQL(
                "city_dashboard_merchant_gap WHERE company_id = %s AND merchant_id = %s",
                scope.company_ids[0],
                scope.merchant_ids[0],
            ),
            date_from,
            date_to,
        )

    @api.model
    def _city_category_counted(self, scope):
        """Whether the scope is one category's merchants, in one company, exactly as its gap rows count
        them (a merchant moved to another category since the last rollup run: not yet)."""
        if not scope.category_id or len(scope.company_ids) != 1:
            return False
        [(counted,)] = self._city_fetch(
            SQL(
                """
                SELECT NOT EXISTS (
                    (SELECT unnest(%(merchants)s::int[])
                     EXCEPT SELECT merchant_id FROM city_dashboard_category_merchant WHERE category_id = %(category)s)
                    UNION ALL
                    (SELECT merchant_id FROM city_dashboard_category_merchant WHERE category_id = %(category)s
                     EXCEPT SELECT unnest(%(merchants)s::int[])))
                """,
                merchants=scope.merchant_ids,
                category=scope.category_id,
            )
        )
        return counted

    @api.model
    def _city_category_member_counts(self, scope, date_from, date_to):
        """(active, with two orders or more, new) members of the scope's one category (in one company) over
        the period, as sums over its gap rows (city_dashboard_category_gap.py)."""
        return self._city_gap_member_counts(
            SQL(
                "city_dashboard_category_gap WHERE company_id = %s AND category_id = %s",
                scope.company_ids[0],
                scope.category_id,
            ),
            date_from,
            date_to,
        )

    @api.model
    def _city_gap_member_counts(self, rows, date_from, date_to):
        """(active, with two orders or more, new) members from the gap rows ``rows`` (FROM and WHERE)."""
        [counts] = self._city_fetch(
            SQL(
                """
                SELECT COALESCE(SUM(members) FILTER (WHERE gap_prev = 0 OR gap_prev > day - %(start)s), 0),
                       COALESCE(SUM(members) FILTER (WHERE (gap_prev = 0 OR gap_prev > day - %(start)s)
                                                       AND gap_next <= %(end)s - day), 0),
                       COALESCE(SUM(members) FILTER (WHERE gap_prev = 0), 0)
                  FROM %(rows)s AND day BETWEEN %(start)s AND %(end)s
                """,
                start=date_from,
                end=date_to,
                rows=rows,
            )
        )
        return counts

    @api.model
    def _city_scope_member_counts(self, scope, date_from, date_to):
        """(active, with two orders or more, new) members of the scope's merchants over the period,
        from the member-day rollup (a merchant, a category, a choice of merchants)."""
        [(active, repeat, new)] = self._city_fetch(
            SQL(
                """
                WITH active AS (
                    SELECT s.partner_id, SUM(s.orders) AS orders
                      FROM city_dashboard_member_day s
                     WHERE %(where)s
                     GROUP BY s.partner_id
                ), new AS (
                    -- Members with a first visit in the period at a merchant of the scope and none before it.
                    SELECT DISTINCT f.partner_id
                      FROM city_dashboard_member_day f
                     WHERE %(first)s AND f.first_visit
                       AND NOT EXISTS (
                           SELECT 1 FROM city_dashboard_member_day b
                            WHERE b.first_visit AND b.partner_id = f.partner_id AND b.day < %(date_from)s
                              AND b.merchant_id = ANY(%(merchants)s) AND b.company_id = ANY(%(companies)s))
                )
                SELECT COUNT(*), COUNT(*) FILTER (WHERE a.orders >= 2), (SELECT COUNT(*) FROM new)
                  FROM active a
                """,
                where=self._city_slot_where(scope, date_from, date_to),
                first=self._city_slot_where(scope, date_from, date_to, alias="f"),
                date_from=date_from,
                merchants=scope.merchant_ids,
                companies=scope.company_ids,
            )
        )
        return active, repeat, new

    @api.model
    def _city_points_values(self, scope, date_from, date_to):
        rows = self._city_fetch(
            SQL(
                """
                SELECT kind, COALESCE(SUM(points), 0) FROM city_dashboard_points_day s
                 WHERE s.company_id = ANY(%s) AND s.day BETWEEN %s AND %s
                   AND (s.merchant_id = ANY(%s) OR (%s AND s.merchant_id IS NULL))
                 GROUP BY kind
                """,
                scope.company_ids,
                date_from,
                date_to,
                scope.merchant_ids,
                scope.district,
            )
        )
        by_kind = dict(rows)
        return {
            "points_issued": by_kind.get("earn", 0),
            "points_redeemed": -by_kind.get("spend", 0),
            "points_expired": -by_kind.get("expire", 0),
        }

    @api.model
    def _city_utc(self, day):
        """The start of local ``day`` as a naive UTC datetime."""
        zone = zoneinfo.ZoneInfo(self.env["city.dashboard.rollup"]._city_tz())
        start = datetime.datetime.combine(day, datetime.time()).replace(tzinfo=zone)
        return start.astimezone(datetime.UTC).replace(tzinfo=None)

    @api.model
    def _city_local_range(self, date_from, date_to):
        """The naive UTC bounds [start, end) of local days ``date_from`` to ``date_to``."""
        return self._city_utc(date_from), self._city_utc(date_to + datetime.timedelta(days=1))

    @api.model
    def _city_coupon_values(self, scope, date_from, date_to):
        start, end = self._city_local_range(date_from, date_to)
        [(issued, claimed, used)] = self._city_fetch(
            SQL(
                """
                SELECT COUNT(*), COUNT(*) FILTER (WHERE claimed_date IS NOT NULL OR state = 'used'),
                       COUNT(*) FILTER (WHERE state = 'used')
                  FROM city_coupon_issue
                 WHERE company_id = ANY(%s) AND merchant_id = ANY(%s) AND create_date >= %s AND create_date < %s
                """,
                scope.company_ids,
                scope.merchant_ids,
                start,
                end,
            )
        )
        return {
            "coupons_issued": issued,
            "coupons_claimed": claimed,
            "coupons_used": used,
            "coupon_redemption_rate": _ratio(used, issued),
        }

    @api.model
    def _city_balances(self, scope):
        """Balances now (no period): escrow held for the merchants, confirmed statements unpaid."""
        [(escrow,)] = self._city_fetch(
            SQL(
                "SELECT COALESCE(SUM(amount_residual), 0) FROM city_escrow"
                " WHERE state IN ('held', 'partial') AND company_id = ANY(%s) AND merchant_id = ANY(%s)",
                scope.company_ids,
                scope.merchant_ids,
            )
        )
        [(due,)] = self._city_fetch(
            SQL(
                "SELECT COALESCE(SUM(closing_balance), 0) FROM city_settlement"
                " WHERE state = 'confirmed' AND company_id = ANY(%s) AND merchant_id = ANY(%s)",
                scope.company_ids,
                scope.merchant_ids,
            )
        )
        return {"escrow_outstanding": round(float(escrow), 2), "settlements_due": round(float(due), 2)}

    # --- heat map, days, categories, map ------------------------------------------------

    @api.model
    def _city_measure(self, measure):
        return {
            "visits": SQL("SUM(s.orders + s.redemptions)"),
            "orders": SQL("SUM(s.orders)"),
            "redemptions": SQL("SUM(s.redemptions)"),
            "gmv": SQL("SUM(s.gmv)"),
        }[measure]

    @api.model
    def _city_heatmap(self, scope):
        rows = self._city_fetch(
            SQL(
                "SELECT s.weekday::int, s.slot, %s FROM %s GROUP BY 1, 2",
                self._city_measure(scope.measure),
                self._city_slots(scope),
            )
        )
        values = [[0] * 48 for _day in range(7)]
        for weekday, slot, value in rows:
            values[weekday][slot] = round(float(value), 2)
        weekdays = dict(self.env["city.dashboard.slot"]._fields["weekday"]._description_selection(self.env))
        return {
            "weekdays": [weekdays[str(day)] for day in range(7)],
            "slots": [f"{slot // 2:02d}:{30 * (slot % 2):02d}" for slot in range(48)],
            "values": values,
            "max": max(max(row) for row in values),
        }

    @api.model
    def _city_daily(self, scope):
        rows = self._city_fetch(
            SQL(
                "SELECT s.day, SUM(s.gmv), SUM(s.orders), SUM(s.redemptions) FROM %s GROUP BY s.day",
                self._city_slots(scope),
            )
        )
        by_day = {day: (gmv, orders, redemptions) for day, gmv, orders, redemptions in rows}
        days = [scope.date_from + datetime.timedelta(days=n) for n in range(scope.days)]
        return {
            "days": [fields.Date.to_string(day) for day in days],
            "gmv": [round(float(by_day.get(day, (0, 0, 0))[0]), 2) for day in days],
            "orders": [by_day.get(day, (0, 0, 0))[1] for day in days],
            "redemptions": [by_day.get(day, (0, 0, 0))[2] for day in days],
        }

    @api.model
    def _city_merchant_totals(self, scope):
        rows = self._city_fetch(
            SQL(
                "SELECT s.merchant_id, SUM(s.orders), SUM(s.gmv), SUM(s.redemptions) FROM city_dashboard_slot s"
                " WHERE %s GROUP BY s.merchant_id",
                self._city_slot_where(scope),
            )
        )
        return {merchant: (orders, float(gmv), redemptions) for merchant, orders, gmv, redemptions in rows}

    @api.model
    def _city_categories(self, scope, totals=None):
        totals = self._city_merchant_totals(scope) if totals is None else totals
        # sudo: merchants of the scope only (ids from _city_scope).
        merchants_sudo = self.env["res.partner"].sudo().browse(scope.merchant_ids)
        result = {}
        for merchant in merchants_sudo:
            orders, gmv, redemptions = totals.get(merchant.id, (0, 0.0, 0))
            category = merchant.merchant_category_id
            entry = result.setdefault(
                category.id,
                {"id": category.id, "name": category.name or _("None"), "orders": 0, "gmv": 0.0, "redemptions": 0},
            )
            entry["orders"] += orders
            entry["gmv"] = round(entry["gmv"] + gmv, 2)
            entry["redemptions"] += redemptions
        return sorted(result.values(), key=lambda entry: -entry["gmv"])

    @api.model
    def _city_map(self, scope, totals=None):
        totals = self._city_merchant_totals(scope) if totals is None else totals
        # sudo: name, category and coordinates of the scope's merchants only.
        merchants_sudo = self.env["res.partner"].sudo().browse(scope.merchant_ids)
        return [
            {
                "id": merchant.id,
                "name": merchant.name,
                "category": merchant.merchant_category_id.name or "",
                "category_id": merchant.merchant_category_id.id,
                "color": merchant.merchant_category_id.color or 0,
                "latitude": merchant.partner_latitude,
                "longitude": merchant.partner_longitude,
                "orders": totals.get(merchant.id, (0, 0.0, 0))[0],
                "gmv": round(totals.get(merchant.id, (0, 0.0, 0))[1], 2),
                "redemptions": totals.get(merchant.id, (0, 0.0, 0))[2],
            }
            for merchant in merchants_sudo
            if merchant.partner_latitude or merchant.partner_longitude
        ]

    # --- funnels, alliance, campaigns ---------------------------------------------------

    @api.model
    def _city_funnels(self, scope):
        coupons = self._city_coupon_values(scope, scope.date_from, scope.date_to)
        return {
            "coupon": [
                {"key": "sent", "label": _("Sent"), "value": coupons["coupons_issued"]},
                {"key": "claimed", "label": _("Claimed"), "value": coupons["coupons_claimed"]},
                {"key": "used", "label": _("Used"), "value": coupons["coupons_used"]},
            ],
            "behaviour": self._city_behaviour_funnel(scope),
        }

    @api.model
    def _city_behaviour_funnel(self, scope):
        """Distinct members at each step in the period: viewed, ordered, paid, redeemed."""
        start, end = self._city_local_range(scope.date_from, scope.date_to)
        paid = self._city_member_values(scope, scope.date_from, scope.date_to)["active_members"]
        [(viewed, ordered, redeemed)] = self._city_fetch(
            SQL(
                """
                SELECT
                  (SELECT COUNT(DISTINCT e.partner_id) FROM city_member_event e
                     LEFT JOIN product_product pp ON pp.id = e.product_id
                     LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                    WHERE e.event_type IN %(views)s AND e.company_id = ANY(%(companies)s)
                      AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
                      AND COALESCE(e.merchant_id, pt.merchant_id) = ANY(%(merchants)s)),
                  (SELECT COUNT(DISTINCT so.partner_id) FROM sale_order so
                    WHERE so.company_id = ANY(%(companies)s) AND so.date_order >= %(start)s AND so.date_order < %(end)s
                      AND EXISTS (SELECT 1 FROM sale_order_line sol
                                    JOIN product_product pp ON pp.id = sol.product_id
                                    JOIN product_template pt ON pt.id = pp.product_tmpl_id
                                   WHERE sol.order_id = so.id AND pt.merchant_id = ANY(%(merchants)s))),
                  (SELECT COUNT(DISTINCT r.partner_id) FROM city_ticket_redemption r
                     JOIN city_ticket t ON t.id = r.ticket_id
                    WHERE t.company_id = ANY(%(companies)s) AND r.merchant_id = ANY(%(merchants)s)
                      AND r.create_date >= %(start)s AND r.create_date < %(end)s)
                """,
                views=BEHAVIOUR_VIEWS,
                companies=scope.company_ids,
                merchants=scope.merchant_ids,
                start=start,
                end=end,
            )
        )
        return [
            {"key": "viewed", "label": _("Viewed"), "value": viewed},
            {"key": "ordered", "label": _("Ordered"), "value": ordered},
            {"key": "paid", "label": _("Paid"), "value": paid},
            {"key": "redeemed", "label": _("Redeemed"), "value": redeemed},
        ]

    @api.model
    def _city_alliance(self, scope):
        """Cross-consumption (coupons issued at A used at B) and new customers B got through A.

        A merchant sees the pairs it takes part in."""
        start, end = self._city_local_range(scope.date_from, scope.date_to)
        pair = SQL(
            "company_id = ANY(%s) AND (merchant_id = ANY(%s) OR source_merchant_id = ANY(%s))",
            scope.company_ids,
            scope.merchant_ids,
            scope.merchant_ids,
        )
        if scope.district:
            pair = SQL("company_id = ANY(%s)", scope.company_ids)
        cross = self._city_fetch(
            SQL(
                "SELECT source_merchant_id, merchant_id, COUNT(*), COALESCE(SUM(revenue_amount), 0),"
                " COALESCE(SUM(discount_amount), 0) FROM city_coupon_issue"
                " WHERE state = 'used' AND source_merchant_id IS NOT NULL AND used_date >= %s AND used_date < %s"
                " AND %s GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
                start,
                end,
                pair,
            )
        )
        brought = self._city_fetch(
            SQL(
                "SELECT source_merchant_id, merchant_id, COUNT(*), COALESCE(SUM(revenue_amount), 0)"
                " FROM city_alliance_attribution WHERE date >= %s AND date < %s AND %s"
                " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
                start,
                end,
                pair,
            )
        )
        ids = {row[0] for row in cross + brought} | {row[1] for row in cross + brought}
        # sudo: the names of the merchants paired with the user's own (or the district's).
        names = {p.id: p.name for p in self.env["res.partner"].sudo().browse(ids)}
        return {
            "cross": [
                {
                    "from": names.get(a, ""),
                    "to": names.get(b, ""),
                    "count": count,
                    "revenue": round(float(revenue), 2),
                    "discount": round(float(discount), 2),
                }
                for a, b, count, revenue, discount in cross
            ],
            "new_customers": [
                {"from": names.get(a, ""), "to": names.get(b, ""), "count": count, "revenue": round(float(rev), 2)}
                for a, b, count, rev in brought
            ],
        }

    @api.model
    def _city_campaigns(self, scope):
        """Campaign results (city_alliance): attributed ROI and the lift measured against the holdout.

        A merchant sees its own campaigns; the district also the platform's (no merchant)."""
        rows = []
        # sudo: city_alliance's figures of the scope's campaigns (filtered on the merchants below).
        campaigns_sudo = self.env["city.campaign"].sudo()
        for company in self.env["res.company"].browse(scope.company_ids):
            rows += campaigns_sudo._city_dashboard_figures(scope.date_from, scope.date_to, company=company)
        allowed = set(scope.merchant_ids)
        rows = [r for r in rows if r["merchant_id"] in allowed or (scope.district and not r["merchant_id"])]
        columns = [
            _("Campaign"),
            _("Merchant"),
            _("Sent"),
            _("Holdout"),
            _("Used"),
            _("Cost"),
            _("Attributed Revenue"),
            _("Attributed ROI"),
            _("Incremental Revenue"),
            _("Lift"),
            _("ROI (vs holdout)"),
        ]
        result = []
        for row in rows:
            values = (
                row["name"],
                row["merchant"] or _("Platform"),
                row.get("sent"),
                row.get("holdout"),
                row.get("used"),
                row.get("cost"),
                row.get("attributed_revenue"),
                row.get("attributed_roi"),
                row.get("incremental_revenue"),
                row.get("lift_pct"),
                row.get("roi"),
            )
            result.append(
                {
                    "id": row["campaign_id"],
                    "columns": columns,
                    "row": [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in values],
                    "display": ["–" if v is None else (f"{v}%" if i == 9 else str(v)) for i, v in enumerate(values)],
                    "figures": row,
                }
            )
        return result

    # --- export -----------------------------------------------------------------------

    @api.model
    def _city_export_xlsx(self, filters=None):
        """Every table of the cockpit as one XLSX workbook (bytes), in the user's scope."""
        data = self.get_cockpit_data(filters)
        output = io.BytesIO()
        xlsx.write_cockpit(output, data, self._city_export_labels())
        return output.getvalue()

    @api.model
    def _city_export_labels(self):
        return {
            "kpis": _("KPIs"),
            "kpi": _("Indicator"),
            "value": _("Value"),
            "previous": _("Previous Period"),
            "change": _("Change"),
            "heatmap": _("Heat Map"),
            "weekday": _("Weekday"),
            "daily": _("Days"),
            "day": _("Day"),
            "gmv": _("GMV"),
            "orders": _("Orders"),
            "redemptions": _("Redemptions"),
            "merchants": _("Merchants"),
            "merchant": _("Merchant"),
            "category": _("Category"),
            "categories": _("Categories"),
            "funnels": _("Funnels"),
            "funnel": _("Funnel"),
            "step": _("Step"),
            "coupon_funnel": _("Coupons"),
            "behaviour_funnel": _("Members"),
            "alliance": _("Alliance"),
            "from": _("From"),
            "to": _("To"),
            "count": _("Count"),
            "revenue": _("Revenue"),
            "discount": _("Discount"),
            "cross": _("Coupons used across merchants"),
            "new_customers": _("New customers brought"),
            "campaigns": _("Campaigns"),
            "period": _("Period"),
        }
