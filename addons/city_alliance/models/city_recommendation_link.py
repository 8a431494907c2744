# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import math
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, LazyTranslate

from odoo.addons.city_base.models.city_district import haversine_m
from odoo.addons.city_base.tools.access import OPERATOR, check_groups

_lt = LazyTranslate(__name__)

# What a member did at a merchant of a category, and what they go on to do at one:
# the words of a recommendation's reason ("看完电影的会员 38% 会在 2 小时内去喝奶茶").
CATEGORY_WORDS = {
    "dining": (_lt("had a meal"), _lt("eat")),
    "tea": (_lt("had a drink"), _lt("have milk tea")),
    "cinema": (_lt("watched a film"), _lt("watch a film")),
    "supermarket": (_lt("went shopping"), _lt("shop")),
    "fitness": (_lt("worked out"), _lt("work out")),
    "beauty": (_lt("visited a salon"), _lt("visit a salon")),
    "medical": (_lt("visited a clinic"), _lt("visit a clinic")),
    "entertainment": (_lt("had fun"), _lt("have fun")),
    "kids": (_lt("played with the kids"), _lt("play with the kids")),
    "education": (_lt("took a class"), _lt("take a class")),
    "culture": (_lt("visited a bookshop"), _lt("browse books")),
    "hotel": (_lt("stayed at a hotel"), _lt("stay at a hotel")),
    "services": (_lt("used a service"), _lt("use a service")),
}
PARAM_PREFIX = "city_alliance.recommendation_"
DEFAULTS = {"window_hours": 3, "lookback_days": 90, "min_support": 3, "decay_m": 1000, "max_distance_m": 5000}


class CityRecommendationLink(models.Model):
    """Members who buy or redeem at ``source`` then at ``target`` within N hours.

    Learned nightly in set-based SQL (support, confidence, lift); Operators pin,
    weigh or block a link; :meth:`_city_recommend` ranks targets for a member.
    """

    _name = "city.recommendation.link"
    _description = "Merchant Recommendation Link"
    _order = "pinned desc, lift desc, id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", default=lambda self: self.env.company
    )
    source_merchant_id = fields.Many2one(
        "res.partner", string="After", required=True, ondelete="cascade", domain=[("is_merchant", "=", True)]
    )
    target_merchant_id = fields.Many2one(
        "res.partner", string="Recommend", required=True, ondelete="cascade", domain=[("is_merchant", "=", True)]
    )
    support = fields.Integer(
        readonly=True, help="Members who went from the first merchant to the second in the window."
    )
    source_count = fields.Integer(string="Members at First", readonly=True)
    target_count = fields.Integer(string="Members at Second", readonly=True)
    confidence = fields.Float(readonly=True, digits=(6, 4), help="Support ÷ members at the first merchant.")
    lift = fields.Float(readonly=True, digits=(8, 3), help="Confidence ÷ share of all members at the second merchant.")
    window_hours = fields.Integer(string="Within (hours)", readonly=True)
    learned_date = fields.Datetime(string="Learned On", readonly=True)
    pinned = fields.Boolean(help="Always ranked before the links that are not pinned.")
    weight = fields.Float(default=1.0, help="Multiplies the link's score.")
    blocked = fields.Boolean(help="Never recommended.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "pair_uniq",
            "unique(company_id, source_merchant_id, target_merchant_id)",
            "There is already a link between these two merchants.",
        ),
        ("not_self", "CHECK(source_merchant_id <> target_merchant_id)", "A merchant cannot recommend itself."),
        ("weight_positive", "CHECK(weight >= 0)", "The weight of a link cannot be negative."),
    ]

    @api.depends("source_merchant_id", "target_merchant_id")
    def _compute_display_name(self):
        for link in self:
            link.display_name = f"{link.source_merchant_id.name or ''} → {link.target_merchant_id.name or ''}"

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_learn(self):
        check_groups(self.env, OPERATOR)
        self.sudo()._city_learn(self.env.company)
        return True

    # ------------------------------------------------------------
    # LEARNING
    # ------------------------------------------------------------

    @api.model
    def _city_param(self, key):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + key)
        try:
            return int(value) if value else DEFAULTS[key]
        except ValueError:
            return DEFAULTS[key]

    @api.model
    def _cron_learn_links(self):
        for company in self.env["res.company"].sudo().search([]):
            self.sudo()._city_learn(company)

    @api.model
    def _city_learn(self, company, now=None):
        """Learn the company's links from paid orders and redemptions: one SQL statement.

        Support counts distinct members; pairs below the minimum support are not
        stored; learned figures of links no longer seen fall to zero (an Operator's
        pin, weight and block stay).

        :return: the number of links with support
        """
        now = now or fields.Datetime.now()
        hours = self._city_param("window_hours")
        since = now - timedelta(days=self._city_param("lookback_days"))
        for model in ("city.escrow", "city.ticket.redemption", "city.ticket", "city.recommendation.link"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH touch AS (
                    SELECT e.partner_id, e.merchant_id, e.paid_date AS at
                      FROM city_escrow e
                     WHERE e.company_id = %(company)s AND e.partner_id IS NOT NULL
                       AND e.paid_date >= %(since)s AND e.paid_date < %(now)s AND e.amount_paid > e.amount_refunded
                    UNION
                    SELECT r.partner_id, r.merchant_id, r.create_date
                      FROM city_ticket_redemption r JOIN city_ticket t ON t.id = r.ticket_id
                     WHERE t.company_id = %(company)s AND r.partner_id IS NOT NULL
                       AND r.create_date >= %(since)s AND r.create_date < %(now)s
                ),
                members AS (SELECT COUNT(DISTINCT partner_id) AS n FROM touch),
                per_merchant AS (SELECT merchant_id, COUNT(DISTINCT partner_id) AS n FROM touch GROUP BY merchant_id),
                pairs AS (
                    SELECT a.merchant_id AS source, b.merchant_id AS target, COUNT(DISTINCT a.partner_id) AS support
                      FROM touch a
                      JOIN touch b ON b.partner_id = a.partner_id AND b.merchant_id <> a.merchant_id
                                  AND b.at > a.at AND b.at <= a.at + make_interval(hours => %(hours)s)
                     GROUP BY a.merchant_id, b.merchant_id
                    HAVING COUNT(DISTINCT a.partner_id) >= %(min_support)s
                ),
                learned AS (
                    INSERT INTO city_recommendation_link
                           (company_id, source_merchant_id, target_merchant_id, support, source_count, target_count,
                            confidence, lift, window_hours, learned_date, pinned, weight, blocked, active,
                            create_date, create_uid, write_date, write_uid)
                    SELECT %(company)s, p.source, p.target, p.support, sa.n, sb.n,
                           p.support::float / sa.n, (p.support::float / sa.n) / (sb.n::float / m.n),
                           %(hours)s, %(now)s, FALSE, 1.0, FALSE, TRUE, %(now)s, %(uid)s, %(now)s, %(uid)s
                      FROM pairs p
                      JOIN per_merchant sa ON sa.merchant_id = p.source
                      JOIN per_merchant sb ON sb.merchant_id = p.target
                     CROSS JOIN members m
                    ON CONFLICT (company_id, source_merchant_id, target_merchant_id) DO UPDATE
                       SET support = EXCLUDED.support, source_count = EXCLUDED.source_count,
                           target_count = EXCLUDED.target_count, confidence = EXCLUDED.confidence,
                           lift = EXCLUDED.lift, window_hours = EXCLUDED.window_hours,
                           learned_date = EXCLUDED.learned_date, write_date = EXCLUDED.write_date,
                           write_uid = EXCLUDED.write_uid
                    RETURNING id
                ),
                faded AS (
                    UPDATE city_recommendation_link l
                       SET support = 0, confidence = 0, lift = 0, learned_date = %(now)s
                     WHERE l.company_id = %(company)s AND l.support > 0
                       AND NOT EXISTS (SELECT 1 FROM learned WHERE learned.id = l.id)
                    RETURNING l.id
                )
                SELECT (SELECT COUNT(*) FROM learned), (SELECT COUNT(*) FROM faded)
                """,
                company=company.id,
                since=since,
                now=now,
                hours=hours,
                min_support=self._city_param("min_support"),
                uid=self.env.uid,
            )
        )
        learned, _faded = self.env.cr.fetchone()
        self.invalidate_model()
        return learned

    # ------------------------------------------------------------
    # RANKING (for the mini-program API)
    # ------------------------------------------------------------

    @api.model
    def _city_recent_merchants(self, partner, since, now):
        """The merchants where ``partner`` paid, redeemed or looked since ``since``, latest first."""
        self.env["city.escrow"].flush_model()
        self.env["city.ticket.redemption"].flush_model()
        self.env["city.member.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT merchant_id FROM (
                    SELECT merchant_id, paid_date AS at FROM city_escrow
                     WHERE partner_id = %(partner)s AND paid_date >= %(since)s AND paid_date <= %(now)s
                    UNION ALL
                    SELECT merchant_id, create_date FROM city_ticket_redemption
                     WHERE partner_id = %(partner)s AND create_date >= %(since)s AND create_date <= %(now)s
                    UNION ALL
                    SELECT merchant_id, occurred_at FROM city_member_event
                     WHERE partner_id = %(partner)s AND merchant_id IS NOT NULL
                       AND occurred_at >= %(since)s AND occurred_at <= %(now)s
                ) t GROUP BY merchant_id ORDER BY MAX(at) DESC
                """,
                partner=partner.id,
                since=since,
                now=now,
            )
        )
        return self.env["res.partner"].browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _city_recommend(self, partner, latitude, longitude, limit=10, now=None):
        """Partner merchants to recommend to ``partner`` standing at (``latitude``, ``longitude``).

        Sources are the merchants the member paid, redeemed or looked at within the
        links' window, else the merchants where they stand (200 m). Each target scores
        lift × weight × distance decay × (1 + the member's segment affinity to its
        category); pinned links first, blocked links and closed shops left out, and
        merchants further than the maximum distance too.

        :return: list of dicts ``{merchant_id, name, score, distance_m, reason, link_id}``,
            best first, with the reason in the user's language
        """
        now = now or fields.Datetime.now()
        links_sudo = self.sudo()  # the API authenticated the member; links are the operator's data
        hours = self._city_param("window_hours")
        recent = self._city_recent_merchants(partner, now - timedelta(hours=hours), now)
        sources = recent
        if not sources:
            sources = self.env["res.partner"].sudo()._merchants_near(latitude, longitude, 200)
        if not sources:
            return []
        links = links_sudo.search(
            [
                ("company_id", "=", self.env.company.id),
                ("source_merchant_id", "in", sources.ids),
                ("blocked", "=", False),
                ("target_merchant_id", "not in", recent.ids),
                ("target_merchant_id.active", "=", True),
                "|",
                ("pinned", "=", True),
                ("lift", ">", 0),
            ]
        )
        segments = (
            self.env["city.member.segment"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("is_current", "=", True)])
            .segment_id
        )
        decay = self._city_param("decay_m")
        max_distance = self._city_param("max_distance_m")
        best = {}
        for link in links:
            target = link.target_merchant_id
            distance = haversine_m(latitude, longitude, target.partner_latitude, target.partner_longitude)
            if distance > max_distance or not target._is_open_at(now):
                continue
            affinity = sum(
                s.affinity_weight for s in segments if target.merchant_category_id in s.affinity_category_ids
            )
            score = (link.lift or 1.0) * link.weight * math.exp(-distance / decay) * (1 + affinity)
            key = (link.pinned, score)
            if target.id not in best or key > best[target.id][0]:
                best[target.id] = (key, link, distance)
        ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)[:limit]
        return [
            {
                "merchant_id": link.target_merchant_id.id,
                "name": link.target_merchant_id.name,
                "score": round(key[1], 6),
                "distance_m": round(distance),
                "reason": link._city_reason(),
                "link_id": link.id,
            }
            for key, link, distance in ranked
        ]

    def _city_reason(self):
        """The link's reason in words, e.g. "看完电影的会员 38% 会在 2 小时内去喝奶茶"."""
        self.ensure_one()
        source, target = self.source_merchant_id, self.target_merchant_id
        if not self.support:
            return _("Recommended by the district after %(origin)s: %(target)s", origin=source.name, target=target.name)
        done = CATEGORY_WORDS.get(source.merchant_category_id.code, (None, None))[0]
        go = CATEGORY_WORDS.get(target.merchant_category_id.code, (None, None))[1]
        return _(
            "%(pct)s%% of members who %(done)s go on to %(go)s within %(hours)s hours",
            pct=round(self.confidence * 100),
            done=done._translate(self.env.lang) if done else _("visited %s", source.name),
            go=go._translate(self.env.lang) if go else target.name,
            hours=self.window_hours,
        )
