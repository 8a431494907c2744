# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta
from decimal import Decimal

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import from_fen, to_fen

from .city_alliance_trigger import FUNDING_SELECTION

ISSUE_STATES = [("issued", "Issued"), ("claimed", "Claimed"), ("used", "Used"), ("expired", "Expired")]


class CityCouponIssue(models.Model):
    """The log of coupons issued to members: one row per Odoo ``loyalty.card``.

    Append-only in its identity (who, which coupon, why); only its state moves
    (issued → claimed → used, or expired). Its ``budget_slot`` and ``cap_key`` are
    backed by unique indexes: a trigger's budget and its cap per member hold
    exactly even when evaluations run in parallel.
    """

    _name = "city.coupon.issue"
    _inherit = ["city.merchant.mixin"]
    _description = "Issued Coupon"
    _order = "id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    partner_id = fields.Many2one("res.partner", string="Member", required=True, index=True, ondelete="restrict")
    card_id = fields.Many2one("loyalty.card", string="Coupon", required=True, index=True, ondelete="restrict")
    code = fields.Char(related="card_id.code", string="Coupon Code")
    expiration_date = fields.Date(related="card_id.expiration_date")
    program_id = fields.Many2one("loyalty.program", string="Coupon Program", required=True, ondelete="restrict")
    merchant_id = fields.Many2one(string="Used At", help="The merchant where the coupon is used.")
    source_merchant_id = fields.Many2one(
        "res.partner", string="Issued At", index="btree_not_null", ondelete="restrict", help="Where the member was."
    )
    funder_id = fields.Many2one(
        "res.partner",
        string="Funded by",
        ondelete="restrict",
        help="The merchant funding the coupon; empty: the platform, or the alliance members by share.",
    )
    funding = fields.Selection(FUNDING_SELECTION, default="operator", required=True)
    trigger_id = fields.Many2one("city.alliance.trigger", index="btree_not_null", ondelete="restrict")
    alliance_id = fields.Many2one("city.alliance", index="btree_not_null", ondelete="restrict")
    source_model = fields.Char()
    source_res_id = fields.Integer(string="Source Record")
    state = fields.Selection(ISSUE_STATES, default="issued", required=True, index=True)
    claimed_date = fields.Datetime(readonly=True)
    used_date = fields.Datetime(readonly=True)
    used_order_id = fields.Many2one("sale.order", string="Used on Order", readonly=True, ondelete="set null")
    discount_amount = fields.Monetary(string="Discount", readonly=True, help="What the coupon took off the bill.")
    revenue_amount = fields.Monetary(string="Revenue", readonly=True, help="What the member paid with the coupon.")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    campaign_id = fields.Many2one("city.campaign", index="btree_not_null", ondelete="restrict", readonly=True)
    budget_slot = fields.Integer(readonly=True, copy=False)
    cap_key = fields.Char(readonly=True, copy=False)
    frequency_key = fields.Char(
        readonly=True, copy=False, help="Campaign coupons: the member's slot of the weekly frequency cap."
    )

    _sql_constraints = [
        ("cap_key_uniq", "UNIQUE(cap_key)", "A member's cap slot is taken once."),
        ("frequency_key_uniq", "UNIQUE(frequency_key)", "A member's weekly campaign slot is taken once."),
        ("card_uniq", "UNIQUE(card_id)", "A coupon is issued once."),
    ]

    def init(self):
        # A trigger's budget slot is taken once (0: no budget).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS city_coupon_issue_budget_slot_uniq"
                " ON city_coupon_issue (trigger_id, budget_slot) WHERE budget_slot > 0"
            )
        )
        # A campaign's budget slot is taken once.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS city_coupon_issue_campaign_budget_slot_uniq"
                " ON city_coupon_issue (campaign_id, budget_slot) WHERE campaign_id IS NOT NULL AND budget_slot > 0"
            )
        )

    # ------------------------------------------------------------
    # ISSUE
    # ------------------------------------------------------------

    @api.model
    def _city_issue_coupons(self, vals_list):
        """Issue coupons to members in batch: the ``loyalty.card`` and the log row of each.

        Each vals: ``partner_id``, ``program_id``, ``merchant_id`` (where it is used),
        optionally ``funder_id``/``funding``, ``source_merchant_id``, ``trigger_id``,
        ``alliance_id``, ``source_model``/``source_res_id``, ``company_id``,
        ``valid_days`` (coupon validity, default 30), ``budget_slot``/``cap_key``
        (unique slots, see the class), and fields other modules add (``campaign_id``).

        :return: the ``city.coupon.issue`` rows created
        """
        if not vals_list:
            return self.browse()
        today = fields.Date.context_today(self)
        programs = self.env["loyalty.program"].sudo().browse({vals["program_id"] for vals in vals_list})
        points = {p.id: (min(p.reward_ids.mapped("required_points")) if p.reward_ids else 1) for p in programs}
        card_vals, issue_vals = [], []
        for vals in vals_list:
            vals = dict(vals)
            days = vals.pop("valid_days", 30)
            card_vals.append(
                {
                    "program_id": vals["program_id"],
                    "partner_id": vals["partner_id"],
                    "points": points[vals["program_id"]],
                    "expiration_date": today + timedelta(days=days) if days else False,
                }
            )
            vals.setdefault("company_id", self.env.company.id)
            if not vals.get("funding"):
                vals["funding"] = "partner" if vals.get("funder_id") == vals["merchant_id"] else "operator"
                if vals.get("funder_id") and vals["funding"] == "operator":
                    vals["funding"] = "source"
            issue_vals.append(vals)
        cards = self.env["loyalty.card"].sudo().create(card_vals)
        for vals, card in zip(issue_vals, cards, strict=True):
            vals["card_id"] = card.id
        return self.sudo().create(issue_vals)

    @api.model
    def _city_count_budget(self, trigger):
        """Coupons a trigger issued (the log is the counter: no row to lock)."""
        self.flush_model(["trigger_id"])
        self.env.cr.execute(
            SQL("SELECT COALESCE(MAX(budget_slot), 0) FROM city_coupon_issue WHERE trigger_id = %s", trigger.id)
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _city_count_campaign_budget(self, campaign):
        """Coupons a campaign issued (its highest budget slot)."""
        self.flush_model(["campaign_id", "budget_slot"])
        self.env.cr.execute(
            SQL("SELECT COALESCE(MAX(budget_slot), 0) FROM city_coupon_issue WHERE campaign_id = %s", campaign.id)
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _city_count_cap(self, prefix):
        """Coupons in one member's cap period (keys ``trigger:member:period:n``)."""
        self.flush_model(["cap_key"])
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM city_coupon_issue WHERE cap_key LIKE %s", prefix + "%"))
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------
    # USE: on an order, at the counter
    # ------------------------------------------------------------

    def _city_funders(self):
        """``[(merchant, weight)]`` funding this coupon (empty: the platform)."""
        self.ensure_one()
        if self.trigger_id:
            funders = self.trigger_id._city_funders(self.source_merchant_id)
            if self.funding == self.trigger_id.funding:
                return funders
        if self.funding == "alliance" and self.alliance_id:
            members = self.alliance_id.member_ids.filtered(lambda m: m.state == "approved" and m.coupon_share > 0)
            return [(member.merchant_id, member.coupon_share) for member in members]
        return [(self.funder_id, 1)] if self.funder_id else []

    def _city_mark_used(self, discount_fen, revenue_fen, order=None, when=None):
        """Record the use and book the coupon money: the accepting merchant is reimbursed
        the discount, the funders are charged it (city_settlement's ``_book_coupon``)."""
        self.ensure_one()
        self.write(
            {
                "state": "used",
                "used_date": when or fields.Datetime.now(),
                "used_order_id": order.id if order else False,
                "discount_amount": float(from_fen(discount_fen)),
                "revenue_amount": float(from_fen(revenue_fen)),
            }
        )
        return (
            self.env["city.settlement.allocation"]
            .sudo()
            ._book_coupon(
                self.merchant_id,
                from_fen(discount_fen),
                self,
                funders=self._city_funders(),
                member=self.partner_id,
                company=self.company_id,
                order=order,
            )
        )

    @api.model
    def _city_book_used_coupons(self, order, merchant=None):
        """The issued coupons used on a paid ``order`` (its ``sale_loyalty`` reward lines):
        mark them used and book their money. ``merchant``: only that merchant's coupons."""
        reward_lines = order.order_line.filtered(lambda ln: ln.coupon_id and ln.reward_id)
        if not reward_lines:
            return self.browse()
        issues = self.sudo().search(
            [("card_id", "in", reward_lines.coupon_id.ids), ("state", "in", ("issued", "claimed"))]
        )
        if merchant:
            issues = issues.filtered(lambda i: i.merchant_id == merchant)
        escrow_by_merchant = {}
        for escrow in order.sudo().city_escrow_ids:
            escrow_by_merchant[escrow.merchant_id] = escrow_by_merchant.get(escrow.merchant_id, 0) + to_fen(
                escrow.amount_paid
            )
        for issue in issues:
            lines = reward_lines.filtered(lambda ln, c=issue.card_id: ln.coupon_id == c)
            discount_fen = -sum(to_fen(line.price_total) for line in lines)
            issue._city_mark_used(
                max(discount_fen, 0), escrow_by_merchant.get(issue.merchant_id, 0), order, order.city_paid_date
            )
        return issues

    def _city_counter_discount_fen(self, bill_fen):
        """The discount of this coupon on a counter bill of ``bill_fen`` (its program's
        first reward: fixed amount, or percentage capped by its maximum)."""
        self.ensure_one()
        program = self.program_id
        minimum = max([to_fen(rule.minimum_amount) for rule in program.rule_ids] or [0])
        if bill_fen < minimum:
            raise UserError(self.env._("This coupon needs a bill of at least %(amount)s.", amount=from_fen(minimum)))
        reward = program.reward_ids.filtered(lambda r: r.reward_type == "discount")[:1]
        if not reward:
            raise UserError(self.env._("This coupon cannot be used at the counter: it gives no discount."))
        if reward.discount_mode == "percent":
            fen = to_fen(Decimal(bill_fen) * Decimal(repr(reward.discount)) / 10000)
            if reward.discount_max_amount:
                fen = min(fen, to_fen(reward.discount_max_amount))
        else:
            fen = to_fen(reward.discount)
        return min(fen, bill_fen)

    @api.model
    def _city_use_at_counter(self, code, merchant, bill_amount):
        """A coupon presented at ``merchant``'s counter for a bill of ``bill_amount``
        (scanned like a ticket): checks it, consumes the loyalty card, marks it used
        and books its money. Locked (NOWAIT): two scans give one success.

        :return: the ``city.coupon.issue`` used
        """
        bill_fen = to_fen(bill_amount or 0)
        if bill_fen <= 0:
            raise UserError(self.env._("Enter the bill amount."))
        card = self.env["loyalty.card"].sudo().search([("code", "=", (code or "").strip())], limit=1)
        issue = self.sudo().search([("card_id", "=", card.id)], limit=1) if card else self.browse()
        if not issue:
            raise UserError(self.env._("No alliance coupon has this code."))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM city_coupon_issue WHERE id = %s FOR UPDATE NOWAIT", issue.id),
                    log_exceptions=False,
                )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure) as exc:
            raise UserError(self.env._("This coupon is being used right now: retry in a moment.")) from exc
        issue.invalidate_recordset()
        if issue.merchant_id != merchant:
            raise UserError(
                self.env._("This coupon is for %(merchant)s, not for this shop.", merchant=issue.merchant_id.name)
            )
        if issue.state == "used":
            raise UserError(self.env._("This coupon has already been used."))
        if issue.state == "expired" or (
            card.expiration_date and card.expiration_date < fields.Date.context_today(self)
        ):
            raise UserError(self.env._("This coupon has expired."))
        discount_fen = issue._city_counter_discount_fen(bill_fen)
        required = min(card.program_id.reward_ids.mapped("required_points") or [1])
        card.points = max(card.points - required, 0)
        issue._city_mark_used(discount_fen, bill_fen - discount_fen)
        return issue

    def action_use_at_counter(self):
        """Merchant staff: open the counter wizard for this coupon."""
        access.check_groups(self.env, access.MERCHANT_USER)
        self.check_access("read")
        if len(self) != 1:
            raise UserError(self.env._("Use one coupon at a time."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Use Coupon at the Counter"),
            "res_model": "city.coupon.use.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_code": self.code},
        }

    # ------------------------------------------------------------
    # MEMBER API (city_miniprogram_api)
    # ------------------------------------------------------------

    def _city_to_api(self):
        return [
            {
                "id": issue.id,
                "code": issue.card_id.code if issue.state != "issued" else None,
                "program": issue.program_id.name,
                "merchant_id": issue.merchant_id.id,
                "merchant": issue.merchant_id.name,
                "issued_at_merchant": issue.source_merchant_id.name or None,
                "state": issue.state,
                "expiration_date": fields.Date.to_string(issue.card_id.expiration_date) or None,
                "discount": float(issue.discount_amount) if issue.state == "used" else None,
            }
            for issue in self
        ]

    @api.model
    def _city_claimable_coupons(self, partner):
        """Coupons issued to ``partner`` (a member) not yet claimed and not expired."""
        today = fields.Date.context_today(self)
        issues = self.sudo().search([("partner_id", "=", partner.id), ("state", "=", "issued")])
        return issues.filtered(
            lambda i: not i.card_id.expiration_date or i.card_id.expiration_date >= today
        )._city_to_api()

    @api.model
    def _city_claim_coupon(self, partner, issue_id):
        """``partner`` claims one of its issued coupons: its code is shown from now on."""
        issue = self.sudo().browse(int(issue_id)).exists()
        if not issue or issue.partner_id != partner:
            raise UserError(self.env._("This coupon is not yours to claim."))
        if issue.state != "issued":
            raise UserError(self.env._("This coupon has already been claimed."))
        today = fields.Date.context_today(self)
        if issue.card_id.expiration_date and issue.card_id.expiration_date < today:
            raise UserError(self.env._("This coupon has expired."))
        issue.write({"state": "claimed", "claimed_date": fields.Datetime.now()})
        return issue._city_to_api()[0]

    @api.model
    def _city_member_coupons(self, partner):
        """``partner``'s claimed, used and expired coupons, newest first."""
        issues = self.sudo().search([("partner_id", "=", partner.id), ("state", "!=", "issued")])
        return issues._city_to_api()

    # ------------------------------------------------------------
    # CRON, REPORTING
    # ------------------------------------------------------------

    @api.model
    def _cron_expire(self):
        """Daily: coupons past their validity become ``expired``."""
        today = fields.Date.context_today(self)
        issues = self.sudo().search(
            [("state", "in", ("issued", "claimed")), ("card_id.expiration_date", "<", today)], limit=10000
        )
        issues.write({"state": "expired"})
        return len(issues)

    @api.model
    def _city_cross_consumption(self, date_from=None, date_to=None, company=None):
        """Coupons used per (issuing merchant, using merchant) pair, with their revenue:
        ``[{"source_merchant_id", "merchant_id", "count", "revenue", "discount"}]``."""
        company = company or self.env.company
        domain = [("state", "=", "used"), ("company_id", "=", company.id), ("source_merchant_id", "!=", False)]
        if date_from:
            domain.append(("used_date", ">=", date_from))
        if date_to:
            domain.append(("used_date", "<=", date_to))
        groups = self.sudo()._read_group(
            domain,
            ["source_merchant_id", "merchant_id"],
            ["__count", "revenue_amount:sum", "discount_amount:sum"],
        )
        return [
            {
                "source_merchant_id": source.id,
                "merchant_id": merchant.id,
                "count": count,
                "revenue": revenue,
                "discount": discount,
            }
            for source, merchant, count, revenue, discount in groups
        ]
