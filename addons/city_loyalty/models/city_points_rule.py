# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine import earning

EVENTS = [
    ("purchase", "Purchase (per yuan)"),
    ("first_purchase", "First Purchase"),
    ("referral", "Referral"),
    ("sign_in", "Daily Sign-in"),
    ("review", "Review"),
]


class CityPointsRule(models.Model):
    """An earning rule: which event earns how many points, with caps.

    Operators edit every rule; merchant managers create and edit purchase rules
    of their own merchant only, within the company's points-per-yuan limit.
    The most specific rule wins: merchant, then merchant category, then global.
    """

    _name = "city.points.rule"
    _description = "Points Earning Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    event = fields.Selection(EVENTS, required=True, default="purchase")
    merchant_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        ondelete="cascade",
        domain=[("is_merchant", "=", True)],
        default=lambda self: self.env.user.merchant_id,
        help="Only purchases at this merchant; the merchant funds the points it issues.",
    )
    merchant_category_id = fields.Many2one(
        "city.merchant.category", ondelete="restrict", help="Only purchases at merchants of this category."
    )
    points_per_yuan = fields.Float(string="Points per Yuan", default=1.0)
    points = fields.Integer(string="Fixed Points", help="Points of a sign-in, review, first purchase or referral.")
    per_event_cap = fields.Integer(string="Cap per Event", help="At most this many points for one event (0: no cap).")
    daily_cap = fields.Integer(
        string="Daily Cap per Member", help="At most this many points per member and day from this rule (0: no cap)."
    )
    validity_days = fields.Integer(
        string="Validity (days)", help="Points earned by this rule expire after this many days (0: company default)."
    )
    apply_tier_multiplier = fields.Boolean(default=True)
    date_from = fields.Date()
    date_to = fields.Date()

    _sql_constraints = [
        (
            "amounts_positive",
            "CHECK(points_per_yuan >= 0 AND points >= 0 AND per_event_cap >= 0 AND daily_cap >= 0 "
            "AND validity_days >= 0)",
            "Points, caps and validity cannot be negative.",
        ),
    ]

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("event", "merchant_id", "points_per_yuan", "points")
    def _check_merchant_limits(self):
        user = self.env.user
        if self.env.su or not user.merchant_id:
            return
        for rule in self:
            if rule.merchant_id != user.merchant_id:
                raise AccessError(self.env._("Merchant staff can only manage their own merchant's rules."))
            if rule.event != "purchase":
                raise ValidationError(self.env._("Merchant staff can only manage purchase rules."))
            limit = rule.company_id.city_points_merchant_max_per_yuan
            if rule.points_per_yuan > limit:
                raise ValidationError(
                    self.env._("A merchant rule can give at most %(limit)s points per yuan.", limit=limit)
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for rule in self:
            if rule.date_from and rule.date_to and rule.date_from > rule.date_to:
                raise ValidationError(self.env._("The rule ends before it starts."))

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _find_rule(self, company, event, merchant=None, day=None):
        """The rule that applies to ``event`` (at ``merchant``), most specific first."""
        day = day or fields.Date.context_today(self)
        rules = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("event", "=", event),
                "|",
                ("date_from", "=", False),
                ("date_from", "<=", day),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", day),
            ]
        )
        return self._pick_rule(rules, merchant)

    @api.model
    def _pick_rule(self, rules, merchant):
        """Among ``rules`` (one event), the merchant's own, else its category's, else a global one."""
        merchant = merchant or self.env["res.partner"]
        own = rules.filtered(lambda r: merchant and r.merchant_id == merchant)
        if own:
            return own[0]
        category = rules.filtered(
            lambda r: (
                not r.merchant_id
                and merchant
                and r.merchant_category_id
                and r.merchant_category_id == merchant.merchant_category_id
            )
        )
        if category:
            return category[0]
        generic = rules.filtered(lambda r: not r.merchant_id and not r.merchant_category_id)
        return generic[:1]

    def _points_for(self, amount_fen=0, multiplier=1.0):
        """Points this rule gives for an event of ``amount_fen`` (purchases), before daily caps."""
        return earning.rule_points(self._to_engine_rule(), amount_fen, multiplier)

    def _to_engine_rule(self):
        """This rule as the earning engine reads it (batches read each rule once)."""
        self.ensure_one()
        return earning.Rule(
            id=self.id,
            event=self.event,
            points_per_yuan=self.points_per_yuan,
            points=self.points,
            apply_tier_multiplier=self.apply_tier_multiplier,
            per_event_cap=self.per_event_cap,
            daily_cap=self.daily_cap,
            validity_days=self.validity_days,
        )
