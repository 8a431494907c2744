# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.city_base.models.city_merchant_hours import WEEKDAYS
from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import to_fen

from ..engine import split as engine

MODE_SELECTION = [
    ("ratio", "Fixed Ratio"),
    ("fixed", "Fixed Amount"),
    ("tier_amount", "Tiered by Order Amount"),
    ("tier_volume", "Tiered by Period Volume"),
    ("time_slot", "Time Slots"),
    ("combo", "Combo Weights"),
    ("distribution", "Two-level Distribution"),
    ("franchise", "Franchise Commission"),
    ("escrow", "Escrow Release on Delivery"),
    ("periodic", "Periodic Settlement"),
    ("points", "Points Clearing"),
    ("fee", "Platform and Channel Fees"),
]
CYCLE_SELECTION = [("realtime", "Real Time"), ("t1", "T+1"), ("weekly", "Weekly"), ("monthly", "Monthly")]


class CitySplitRule(models.Model):
    """A version of a split rule: how a delivered amount is divided.

    Rules are data: operators create them, attach them to a merchant, a product,
    a product category or a combo product, and change them by creating a new
    version (``action_new_version``) so that past allocations keep the version
    they used. The lookup order is product (and combo), category, merchant,
    then the company default (a rule with no scope).
    """

    _name = "city.split.rule"
    _description = "Split Rule"
    _order = "rule_key, version desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    rule_key = fields.Char(
        required=True,
        index=True,
        copy=False,
        default=lambda self: self.env["ir.sequence"].sudo().next_by_code("city.split.rule") or "R",
        help="Shared by every version of the same rule.",
    )
    version = fields.Integer(default=1, required=True, copy=False, readonly=True)
    valid_from = fields.Datetime(required=True, default=fields.Datetime.now, copy=False)
    valid_to = fields.Datetime(copy=False, help="Empty: valid until a newer version replaces it.")
    mode = fields.Selection(MODE_SELECTION, required=True, default="ratio")
    # Scope (at most one kind of attachment; none = company default).
    merchant_id = fields.Many2one(
        "res.partner", domain=[("is_merchant", "=", True)], ondelete="restrict", index="btree_not_null"
    )
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product or Combo", ondelete="cascade", index="btree_not_null"
    )
    categ_id = fields.Many2one("product.category", string="Product Category", ondelete="restrict")
    # Parameters.
    merchant_percent = fields.Float(
        string="Merchant Share (%)", default=100.0, digits=(5, 2), help="Ratio mode and the default of other modes."
    )
    platform_fee_percent = fields.Float(string="Platform Service Fee (%)", digits=(5, 2))
    channel_fee_percent = fields.Float(string="Channel Fee (%)", digits=(5, 2))
    commission_l1_percent = fields.Float(string="Referrer Commission (%)", digits=(5, 2))
    commission_l2_percent = fields.Float(string="Second-level Commission (%)", digits=(5, 2))
    franchise_percent = fields.Float(string="Franchise Commission (%)", digits=(5, 2))
    franchise_partner_id = fields.Many2one("res.partner", string="Head Office", ondelete="restrict")
    fixed_amount = fields.Monetary(string="Merchant Fixed Price", help="Fixed amount mode: paid per delivery.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    points_fee_percent = fields.Float(string="Points Clearing Fee (%)", digits=(5, 2))
    settlement_cycle = fields.Selection(CYCLE_SELECTION, help="Periodic mode: the merchant's settlement cycle.")
    forfeit_policy = fields.Selection(
        [("split", "Split as a Delivery"), ("platform", "All to the Platform")],
        default="split",
        required=True,
        help="Where expired, non-refundable escrow goes.",
    )
    line_ids = fields.One2many("city.split.rule.line", "rule_id", string="Tiers, Slots and Components", copy=True)

    _sql_constraints = [
        ("rule_key_version_uniq", "unique(rule_key, version)", "A rule version must be unique."),
        (
            "percent_range",
            "CHECK(merchant_percent >= 0 AND merchant_percent <= 100 AND platform_fee_percent >= 0"
            " AND channel_fee_percent >= 0 AND commission_l1_percent >= 0 AND commission_l2_percent >= 0"
            " AND franchise_percent >= 0 AND points_fee_percent >= 0)",
            "Percentages must be between 0 and 100.",
        ),
    ]

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("valid_from", "valid_to")
    def _check_validity(self):
        for rule in self:
            if rule.valid_to and rule.valid_to < rule.valid_from:
                raise ValidationError(_("Rule %s ends before it starts.", rule.display_name))

    @api.constrains(
        "mode",
        "merchant_percent",
        "platform_fee_percent",
        "channel_fee_percent",
        "commission_l1_percent",
        "commission_l2_percent",
        "franchise_percent",
        "line_ids",
    )
    def _check_split(self):
        for rule in self:
            try:
                engine.split(10000, rule._to_engine_rule(), engine.Context(referrers=(1, 2)))
                for line in rule.line_ids:
                    engine.split(
                        10000,
                        rule._to_engine_rule(),
                        engine.Context(
                            order_amount=to_fen(line.threshold),
                            period_volume=to_fen(line.threshold),
                            weekday=int(line.weekday) if line.weekday else 0,
                            hour=line.hour_from,
                            referrers=(1, 2),
                        ),
                    )
            except engine.SplitError as exc:
                raise ValidationError(
                    _("Rule %(rule)s cannot split: %(error)s", rule=rule.display_name, error=exc)
                ) from exc

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("name", "version")
    def _compute_display_name(self):
        for rule in self:
            rule.display_name = "%s v%s" % (rule.name or "", rule.version)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_new_version(self):
        """Close this version now and open the next one with the same parameters."""
        access.check_groups(self.env, access.OPERATOR)
        self.ensure_one()
        self.check_access("write")
        new_rule = self._new_version({})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new_rule.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _new_version(self, vals):
        """Close this version and create the next one, changed by ``vals``."""
        self.ensure_one()
        now = fields.Datetime.now()
        latest = self.search([("rule_key", "=", self.rule_key)], order="version desc", limit=1)
        new_rule = self.copy(
            {"rule_key": self.rule_key, "version": latest.version + 1, "valid_from": now, "valid_to": False, **vals}
        )
        self.write({"valid_to": now})
        return new_rule

    def _to_engine_rule(self):
        """This version as the engine's :class:`~..engine.split.Rule`."""
        self.ensure_one()
        if self.mode == "tier_amount" or self.mode == "tier_volume" or self.mode == "time_slot":
            tiers = tuple(
                engine.Tier(
                    threshold=to_fen(line.threshold),
                    percent=_dec(line.percent),
                    weekdays=(int(line.weekday),) if line.weekday else (),
                    hour_from=line.hour_from,
                    hour_to=line.hour_to or 24.0,
                )
                for line in self.line_ids
            )
        else:
            tiers = ()
        return engine.Rule(
            mode=self.mode,
            merchant_percent=_dec(self.merchant_percent),
            platform_fee_percent=_dec(self.platform_fee_percent),
            channel_fee_percent=_dec(self.channel_fee_percent),
            commission_l1_percent=_dec(self.commission_l1_percent),
            commission_l2_percent=_dec(self.commission_l2_percent),
            franchise_percent=_dec(self.franchise_percent),
            franchise_beneficiary=self.franchise_partner_id.id or None,
            fixed_fen=round(self.fixed_amount * 100),
            tiers=tiers,
            points_fee_percent=_dec(self.points_fee_percent),
        )

    @api.model
    def _get_rule_domain(self, at, company):
        return [
            ("company_id", "=", company.id),
            ("valid_from", "<=", at),
            "|",
            ("valid_to", "=", False),
            ("valid_to", ">", at),
        ]

    @api.model
    def _find_rule(self, merchant, product=None, at=None, company=None, modes=None):
        """The rule version valid at ``at`` for a delivery of ``product`` by ``merchant``.

        Most specific first: product (or combo), product category (and its parents),
        merchant, company default. Returns an empty recordset when no rule applies
        (the merchant then gets everything).
        """
        at = at or fields.Datetime.now()
        company = company or self.env.company
        domain = self._get_rule_domain(at, company)
        if modes:
            domain.append(("mode", "in", list(modes)))
        rules = self.sudo().search(domain)
        if not rules:
            return self.browse()
        candidates = []
        if product:
            tmpl = product.product_tmpl_id if product._name == "product.product" else product
            candidates.append(rules.filtered(lambda r: r.product_tmpl_id == tmpl))
            categ = tmpl.categ_id
            while categ:
                candidates.append(rules.filtered(lambda r, c=categ: not r.product_tmpl_id and r.categ_id == c))
                categ = categ.parent_id
        if merchant:
            candidates.append(
                rules.filtered(lambda r: not r.product_tmpl_id and not r.categ_id and r.merchant_id == merchant)
            )
        candidates.append(rules.filtered(lambda r: not r.product_tmpl_id and not r.categ_id and not r.merchant_id))
        for found in candidates:
            if found:
                return found.sorted(lambda r: (r.valid_from, r.version, r.id))[-1].with_env(self.env)
        return self.browse()

    @api.model
    def _sync_combo_rule(self, product_tmpl, components):
        """Create or update the combo-weights rule of ``product_tmpl``.

        :param components: ``[{'merchant_id': int, 'weight': number, 'component_key': str}, ...]``
        :return: the rule version now valid (a new version when the components changed)
        """
        if not components:
            raise ValidationError(_("A combo needs at least one component."))
        keys = [c["component_key"] for c in components]
        if len(set(keys)) != len(keys) or not all(keys):
            raise ValidationError(_("Every combo component needs its own key."))
        wanted = [(int(c["merchant_id"]), _dec(c["weight"]), str(c["component_key"])) for c in components]
        company = product_tmpl.company_id or self.env.company
        rule = self.sudo().search(
            [
                *self._get_rule_domain(fields.Datetime.now(), company),
                ("product_tmpl_id", "=", product_tmpl.id),
                ("mode", "=", "combo"),
            ],
            order="version desc",
            limit=1,
        )
        line_vals = [
            fields.Command.create({"sequence": i, "merchant_id": m, "weight": float(w), "component_key": k})
            for i, (m, w, k) in enumerate(wanted)
        ]
        if rule:
            current = [(ln.merchant_id.id, _dec(ln.weight), ln.component_key) for ln in rule.line_ids]
            if current == wanted:
                return rule.with_env(self.env)
            rule = rule._new_version({"line_ids": [fields.Command.clear(), *line_vals]})
        else:
            rule = self.sudo().create(
                {
                    "name": _("Combo %s", product_tmpl.name),
                    "mode": "combo",
                    "product_tmpl_id": product_tmpl.id,
                    "company_id": company.id,
                    "line_ids": line_vals,
                }
            )
        return rule.with_env(self.env)

    def _combo_components(self):
        """``[(component_key, merchant, weight)]`` of a combo rule."""
        self.ensure_one()
        return [(line.component_key, line.merchant_id, _dec(line.weight)) for line in self.line_ids]


def _dec(value):
    return Decimal(str(value or 0))


class CitySplitRuleLine(models.Model):
    """A tier, a time slot or a combo component of a split rule."""

    _name = "city.split.rule.line"
    _description = "Split Rule Line"
    _order = "rule_id, sequence, id"

    rule_id = fields.Many2one("city.split.rule", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    currency_id = fields.Many2one(related="rule_id.currency_id")
    threshold = fields.Monetary(help="Tiers: the order amount or period volume from which this tier applies.")
    percent = fields.Float(string="Platform (%)", digits=(5, 2))
    weekday = fields.Selection(WEEKDAYS, help="Time slots: empty = every day.")
    hour_from = fields.Float()
    hour_to = fields.Float(default=24.0)
    merchant_id = fields.Many2one("res.partner", domain=[("is_merchant", "=", True)], ondelete="restrict")
    weight = fields.Float(digits=(12, 4), help="Combos: the component's weight in the package price.")
    component_key = fields.Char(help="Combos: the key city_ticketing uses for the component.")
