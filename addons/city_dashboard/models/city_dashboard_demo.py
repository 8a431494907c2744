# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data: six weeks of the demo district's life (called by demo/*.xml only)."""

import datetime
import random

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import generate

NIGHT_MERCHANTS = ("demo_merchant_bbq_night", "demo_merchant_craft_beer", "demo_merchant_ktv_sing")
SEED = 20260301


class CityDashboardDemo(models.AbstractModel):
    _name = "city.dashboard.demo"
    _description = "Cockpit Demo Data"

    @api.model
    def _generate_history(self, weeks=6, per_day=120, members=240):
        """Orders, redemptions, points, coupons and behaviour events of ``weeks`` weeks, in bulk."""
        rng = random.Random(SEED)
        company = self.env.company
        merchants = self._demo_merchants()
        member_ids = self._demo_members(members)
        tz = self.env["city.dashboard.rollup"]._city_tz()
        today = fields.Datetime.context_timestamp(self.with_context(tz=tz), fields.Datetime.now()).date()
        date_from = today - datetime.timedelta(days=7 * weeks)
        orders = generate.plan_orders(rng, merchants, member_ids, date_from, 7 * weeks, per_day, tz=tz)
        self.env.flush_all()
        order_ids = generate.insert_orders(self.env.cr, company.id, company.currency_id.id, orders)
        self._demo_redemptions(rng, company, orders)
        self._demo_events(rng, orders)
        self._demo_points(rng, orders, order_ids)
        self._demo_coupons(rng, company, orders)
        self.env.invalidate_all()
        self.env["city.dashboard.rollup"]._city_rebuild()

    @api.model
    def _demo_merchants(self):
        night = {self.env.ref(f"city_base.{xmlid}").id for xmlid in NIGHT_MERCHANTS}
        merchants = self.env["res.partner"].search([("is_merchant", "=", True), ("merchant_category_id", "!=", False)])
        return [
            (
                merchant.id,
                "night" if merchant.id in night else generate.profile_of(merchant.merchant_category_id.code),
                3 if merchant.merchant_category_id.code in ("dining", "tea") else 2,
            )
            for merchant in merchants
        ]

    @api.model
    def _demo_members(self, count):
        existing = self.env["res.partner"].search([("is_member", "=", True)])
        surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
        given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
        new = (
            self.env["res.partner"]
            .with_context(tracking_disable=True)
            .create(
                [
                    {"name": f"{surnames[n % 20]}{given[(n * 7) % 20]}{given[(n * 3 + 1) % 20]}", "is_member": True}
                    for n in range(count)
                ]
            )
        )
        return (existing | new).ids

    @api.model
    def _demo_redemptions(self, rng, company, orders):
        templates = self.env["product.template"].search(
            [("merchant_id", "!=", False), ("city_ticket_type", "!=", False)]
        )
        product_of = {}
        for template in templates:
            product_of.setdefault(template.merchant_id.id, (template.product_variant_id.id, template.id))
        rows = []
        for partner_id, merchant_id, paid_at, _amounts in orders:
            if merchant_id in product_of and rng.random() < 0.7:
                at = paid_at + datetime.timedelta(minutes=rng.randrange(15, 150))
                rows.append((partner_id, merchant_id, *product_of[merchant_id], at))
        generate.insert_redemptions(self.env.cr, company.id, rows)

    @api.model
    def _demo_events(self, rng, orders):
        """Members looking at the merchant before ordering (one statement, as the API's batches)."""
        rows = [
            (partner_id, merchant_id, paid_at - datetime.timedelta(minutes=rng.randrange(5, 600)))
            for partner_id, merchant_id, paid_at, _amounts in orders
            for _view in range(rng.choice((1, 1, 2, 3)))
        ]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO city_member_event (partner_id, event_type, merchant_id, occurred_at, company_id,
                                               create_uid, write_uid, create_date, write_date)
                SELECT p, 'view_merchant', m, at, %s, %s, %s, at, at
                  FROM unnest(%s::int[], %s::int[], %s::timestamp[]) AS e(p, m, at)
                """,
                self.env.company.id,
                self.env.uid,
                self.env.uid,
                [r[0] for r in rows],
                [r[1] for r in rows],
                [r[2] for r in rows],
            )
        )

    @api.model
    def _demo_points(self, rng, orders, order_ids):
        """Purchase points for the last two weeks' orders, through the points engine."""
        cutoff = max(o[2] for o in orders) - datetime.timedelta(days=14)
        partners = self.env["res.partner"].browse({o[0] for o in orders})
        merchants = self.env["res.partner"].browse({o[1] for o in orders})
        by_id = {p.id: p for p in partners | merchants}
        events = [
            {
                "partner": by_id[partner_id],
                "merchant": by_id[merchant_id],
                "event": "purchase",
                "event_key": f"city_dashboard.history:{order_id}",
                "amount_fen": round(sum(amounts) * 100),
                "date": paid_at,
                "source_ref": f"sale.order,{order_id}",
            }
            for (partner_id, merchant_id, paid_at, amounts), order_id in zip(orders, order_ids, strict=True)
            if paid_at >= cutoff
        ]
        self.env["city.points.wallet"]._earn_events(events)

    @api.model
    def _demo_coupons(self, rng, company, orders):
        """Coupons sent from a merchant of the demo alliance; claimed and used over the weeks."""
        programs = self.env["loyalty.program"].search([("city_merchant_id", "!=", False)])
        if not programs:
            return
        sample = rng.sample(orders, min(400, len(orders)))
        issues = self.env["city.coupon.issue"]._city_issue_coupons(
            [
                {
                    "partner_id": partner_id,
                    "program_id": (program := rng.choice(programs)).id,
                    "merchant_id": program.city_merchant_id.id,
                    "source_merchant_id": merchant_id,
                    "company_id": company.id,
                }
                for partner_id, merchant_id, _at, _amounts in sample
            ]
        )
        self.env.flush_all()
        now = fields.Datetime.now()
        sent, claimed, used_at = [], [], []
        for issue, (_partner, _merchant, paid_at, _amounts) in zip(issues, sample, strict=True):
            claim = paid_at + datetime.timedelta(hours=rng.randrange(1, 48))
            use = paid_at + datetime.timedelta(days=rng.randrange(2, 10))
            is_claimed = rng.random() < 0.7 and claim < now
            is_used = is_claimed and rng.random() < 0.55 and use < now
            if is_used:
                # Used through the counter path: the card consumed, the coupon money booked.
                issue._city_use_at_counter(issue.card_id.code, issue.merchant_id, rng.choice((120, 168, 238, 300)))
            sent.append(paid_at)
            claimed.append(claim if is_claimed else None)
            used_at.append(use if is_used else None)
        # History: the issue log dated as weeks of sending, claiming and using would have left it.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE city_coupon_issue i
                   SET create_date = s.sent, claimed_date = s.claimed,
                       state = CASE WHEN s.claimed IS NOT NULL AND i.state = 'issued' THEN 'claimed' ELSE i.state END,
                       used_date = COALESCE(s.used_at, i.used_date)
                  FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[], %s::timestamp[])
                       AS s(id, sent, claimed, used_at)
                 WHERE i.id = s.id
                """,
                issues.ids,
                sent,
                claimed,
                used_at,
            )
        )
