# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import datetime, time

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import from_fen, to_fen
from odoo.addons.city_base.tools.localdate import local_date

from ..engine import split as engine


def source_reference(source):
    """The ``"model,id"`` reference of a source record (strings pass through)."""
    if isinstance(source, models.BaseModel):
        source.ensure_one()
        return f"{source._name},{source.id}"
    if not source:
        raise UserError(_("A money movement needs a source document."))
    return str(source)


class CityEscrow(models.Model):
    """Money paid for a service not yet delivered, per order line and merchant component.

    Append-only bookkeeping: the amounts only grow, each through one of
    ``_release``, ``_refund`` or ``_forfeit`` which lock the row, create the
    allocation lines and are idempotent per source.
    """

    _name = "city.escrow"
    _inherit = ["city.merchant.mixin"]
    _description = "Escrow"
    _order = "id desc"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one("res.currency", required=True)
    order_id = fields.Many2one("sale.order", required=True, index=True, ondelete="restrict", readonly=True)
    order_line_id = fields.Many2one("sale.order.line", index=True, ondelete="restrict", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", index=True, ondelete="restrict", readonly=True)
    product_id = fields.Many2one("product.product", ondelete="restrict", readonly=True)
    component_key = fields.Char(readonly=True)
    amount_paid = fields.Monetary(readonly=True)
    amount_released = fields.Monetary(readonly=True)
    amount_refunded = fields.Monetary(readonly=True)
    amount_forfeited = fields.Monetary(readonly=True)
    amount_reversed = fields.Monetary(
        string="Refunded after Delivery", readonly=True, help="Delivered amounts refunded later (reversed splits)."
    )
    amount_residual = fields.Monetary(compute="_compute_amount_residual", store=True)
    state = fields.Selection(
        [("held", "Held"), ("partial", "Partially Released"), ("done", "Done")],
        compute="_compute_amount_residual",
        store=True,
        index=True,
    )
    paid_date = fields.Datetime(readonly=True)
    intake_move_id = fields.Many2one("account.move", string="Escrow Entry", readonly=True, ondelete="restrict")
    allocation_ids = fields.One2many("city.settlement.allocation", "escrow_id", string="Allocations")

    _sql_constraints = [
        (
            "amounts_consistent",
            "CHECK(amount_paid >= 0 AND amount_released >= 0 AND amount_refunded >= 0 AND amount_forfeited >= 0"
            " AND amount_paid - amount_released - amount_refunded - amount_forfeited >= 0"
            " AND amount_reversed >= 0 AND amount_reversed <= amount_released)",
            "An escrow can never release, refund or forfeit more than was paid.",
        ),
    ]

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("amount_paid", "amount_released", "amount_refunded", "amount_forfeited")
    def _compute_amount_residual(self):
        for escrow in self:
            residual_fen = to_fen(escrow.amount_paid) - to_fen(escrow.amount_released)
            residual_fen -= to_fen(escrow.amount_refunded) + to_fen(escrow.amount_forfeited)
            escrow.amount_residual = float(from_fen(residual_fen))
            if residual_fen <= 0:
                escrow.state = "done"
            elif to_fen(escrow.amount_paid) == residual_fen:
                escrow.state = "held"
            else:
                escrow.state = "partial"

    @api.depends("order_id", "product_id", "component_key")
    def _compute_display_name(self):
        for escrow in self:
            parts = [escrow.order_id.name or "", escrow.product_id.display_name or ""]
            if escrow.component_key:
                parts.append(escrow.component_key)
            escrow.display_name = " / ".join(p for p in parts if p)

    # ------------------------------------------------------------
    # BUSINESS: movements
    # ------------------------------------------------------------

    def _lock(self):
        """Lock the escrow row(s) for this transaction (the first statement on them)."""
        if self.ids:
            self.env.cr.execute(
                SQL("SELECT id FROM city_escrow WHERE id IN %s ORDER BY id FOR UPDATE", tuple(self.ids))
            )
            self.invalidate_recordset()

    def _existing_movement(self, movement, source_ref):
        return (
            self.env["city.settlement.allocation"]
            .sudo()
            .search([("escrow_id", "=", self.id), ("movement", "=", movement), ("source_ref", "=", source_ref)])
        )

    def _check_amount(self, amount_fen, residual_fen=None):
        if residual_fen is None:
            residual_fen = to_fen(self.amount_residual)
        if amount_fen <= 0 or amount_fen > residual_fen:
            raise UserError(
                _(
                    "Cannot move %(amount)s out of escrow %(escrow)s: it holds %(residual)s.",
                    amount=from_fen(amount_fen),
                    escrow=self.display_name,
                    residual=from_fen(residual_fen),
                )
            )

    def _release(self, amount, source, date=None):
        """Release ``amount`` on delivery: split by the rule valid at ``date``.

        Idempotent per ``source``: a second call with the same source returns the
        allocations of the first.

        :return: the ``city.settlement.allocation`` lines created
        """
        self.ensure_one()
        return self._move_out("release", amount, source, date=date)

    @api.model
    def _release_many(self, items, date=None):
        """Release many deliveries at once (a redemption batch, a cron, an import).

        Same rules as :meth:`_release` (row locks, idempotent per escrow and source,
        split by the rule valid at ``date``) but one lock statement, one idempotency
        query and one batched insert of the allocation lines for the whole batch.

        :param items: iterable of ``(escrow, amount, source)``
        :return: the ``city.settlement.allocation`` lines created (or found)
        """
        items = [(escrow, to_fen(amount), source_reference(source)) for escrow, amount, source in items]
        if not items:
            return self.env["city.settlement.allocation"]
        escrows = self.browse({escrow.id for escrow, _a, _s in items}).sudo()  # same boundary as _move_out
        escrows._lock()
        Allocation = self.env["city.settlement.allocation"].sudo()
        existing = Allocation.search(
            [
                ("escrow_id", "in", escrows.ids),
                ("movement", "=", "release"),
                ("source_ref", "in", list({ref for _e, _a, ref in items})),
            ]
        )
        done = {(a.escrow_id.id, a.source_ref) for a in existing}
        at = _as_datetime(date)
        residual = {escrow.id: to_fen(escrow.amount_residual) for escrow in escrows}
        released = {escrow.id: to_fen(escrow.amount_released) for escrow in escrows}
        rules, contexts, vals_list = {}, {}, []
        for escrow, amount_fen, source_ref in items:
            if (escrow.id, source_ref) in done:
                continue
            done.add((escrow.id, source_ref))
            escrow_sudo = escrows.browse(escrow.id)
            escrow_sudo._check_amount(amount_fen, residual[escrow.id])
            residual[escrow.id] -= amount_fen
            released[escrow.id] += amount_fen
            rule_key = (escrow_sudo.merchant_id.id, escrow_sudo.product_id.id)
            if rule_key not in rules:
                rules[rule_key] = escrow_sudo._get_split_rule(at)
            rule = rules[rule_key]
            if escrow.id not in contexts:
                contexts[escrow.id] = escrow_sudo._get_split_context(rule, at)
            vals_list.extend(
                escrow_sudo._prepare_movement_allocations(
                    "release", amount_fen, source_ref, at, rule=rule, ctx=contexts[escrow.id]
                )
            )
        created = Allocation._create_batch(vals_list)
        for escrow in escrows:
            if released[escrow.id] != to_fen(escrow.amount_released):
                escrow.amount_released = float(from_fen(released[escrow.id]))
        return (existing | created).with_env(self.env)

    def _refund(self, amount, source, reason):
        """Give ``amount`` back to the member (refund payable), idempotent per ``source``."""
        self.ensure_one()
        return self._move_out("refund", amount, source, reason=reason)

    def _forfeit(self, amount, source):
        """Expired without refund: the escrow goes to income by the rule's forfeit policy."""
        self.ensure_one()
        return self._move_out("forfeit", amount, source)

    def _refund_delivered(self, amount, source, reason):
        """Refund ``amount`` that was already delivered (released): the release's split
        is reversed (merchant, platform fee, channel fee, commissions negative, mirroring
        the original cent for cent) and the amount becomes due to the member.
        Idempotent per ``source``.
        """
        self.ensure_one()
        source_ref = source_reference(source)
        self_sudo = self.sudo()  # same boundary as _move_out
        self_sudo._lock()
        existing = self_sudo._existing_movement("reversal", source_ref)
        if existing:
            return existing.with_env(self.env)
        amount_fen = to_fen(amount)
        refundable_fen = to_fen(self_sudo.amount_released) - to_fen(self_sudo.amount_reversed)
        if amount_fen <= 0 or amount_fen > refundable_fen:
            raise UserError(
                _(
                    "Cannot refund %(amount)s of delivered services of %(escrow)s: %(refundable)s was delivered.",
                    amount=from_fen(amount_fen),
                    escrow=self_sudo.display_name,
                    refundable=from_fen(refundable_fen),
                )
            )
        last_release = self_sudo.allocation_ids.filtered(lambda a: a.movement == "release").sorted("id")[-1:]
        rule = last_release.rule_id
        at = fields.Datetime.now()
        base = self_sudo._prepare_allocation_base("reversal", source_ref, at, rule, reason)
        shares = engine.split(
            -amount_fen,
            rule._to_engine_rule() if rule else engine.Rule(),
            self_sudo._get_split_context(rule, at),
        )
        platform = self_sudo.company_id.partner_id.id
        vals_list = [
            dict(base, role=share.role, beneficiary_id=share.beneficiary or platform, amount=from_fen(share.amount))
            for share in shares
        ]
        vals_list.append(dict(base, role="refund", beneficiary_id=self_sudo.partner_id.id, amount=from_fen(amount_fen)))
        allocations = self.env["city.settlement.allocation"].sudo()._create_batch(vals_list)
        self_sudo.write({"amount_reversed": float(from_fen(to_fen(self_sudo.amount_reversed) + amount_fen))})
        return allocations.with_env(self.env)

    def _city_get_committed_fen(self):
        """Hook: fen of the residual still promised to items that can be delivered
        (city_ticketing: the unredeemed tickets' remaining value), which a refund of
        the order at the channel must not take off this escrow directly."""
        self.ensure_one()
        return 0

    def _prepare_allocation_base(self, movement, source_ref, at, rule, reason=None):
        return {
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "merchant_id": self.merchant_id.id,
            "escrow_id": self.id,
            "order_id": self.order_id.id,
            "partner_id": self.partner_id.id,
            "movement": movement,
            "source_ref": source_ref,
            "date": local_date(at),
            "rule_id": rule.id or False,
            "rule_version": rule.version or 0,
            "name": reason or False,
        }

    def _move_out(self, movement, amount, source, date=None, reason=None):
        source_ref = source_reference(source)
        self_sudo = self.sudo()  # callers (a scan, a cron) need not read settlement internals; checked above
        self_sudo._lock()
        existing = self_sudo._existing_movement(movement, source_ref)
        if existing:
            return existing.with_env(self.env)
        amount_fen = to_fen(amount)
        self_sudo._check_amount(amount_fen)
        at = _as_datetime(date)
        vals_list = self_sudo._prepare_movement_allocations(movement, amount_fen, source_ref, at, reason)
        allocations = self.env["city.settlement.allocation"].sudo()._create_batch(vals_list)
        field = {"release": "amount_released", "refund": "amount_refunded", "forfeit": "amount_forfeited"}[movement]
        self_sudo.write({field: float(from_fen(to_fen(self_sudo[field]) + amount_fen))})
        return allocations.with_env(self.env)

    def _get_split_rule(self, at):
        return self.env["city.split.rule"]._find_rule(
            self.merchant_id, product=self.product_id, at=at, company=self.company_id
        )

    def _get_split_context(self, rule, at):
        """The engine context of a movement of this escrow at ``at``."""
        tz = pytz.timezone(self.merchant_id.tz or "Asia/Shanghai")
        local = pytz.utc.localize(at).astimezone(tz)
        referrers = ()
        if rule and (rule.commission_l1_percent or rule.commission_l2_percent):
            level1 = self.partner_id.city_referrer_id
            level2 = level1.city_referrer_id
            referrers = (level1.id or None, level2.id or None)
        period_volume = 0
        if rule and rule.mode == "tier_volume":
            period_volume = self.env["city.settlement.allocation"]._get_period_volume_fen(
                self.merchant_id, local, company=self.company_id
            )
        return engine.Context(
            merchant=self.merchant_id.id,
            order_amount=to_fen(self.order_id.amount_total),
            period_volume=period_volume,
            weekday=local.weekday(),
            hour=local.hour + local.minute / 60.0,
            referrers=referrers,
        )

    def _prepare_movement_allocations(self, movement, amount_fen, source_ref, at, reason=None, rule=None, ctx=None):
        """Allocation values of one movement (the split of the amount)."""
        self.ensure_one()
        if rule is None:
            rule = self._get_split_rule(at)
        base = self._prepare_allocation_base(movement, source_ref, at, rule, reason)
        if movement == "refund":
            return [dict(base, role="refund", beneficiary_id=self.partner_id.id, amount=from_fen(amount_fen))]
        if movement == "forfeit" and rule and rule.forfeit_policy == "platform":
            platform = self.company_id.partner_id.id
            return [dict(base, role="forfeit", beneficiary_id=platform, amount=from_fen(amount_fen))]
        shares = engine.split(
            amount_fen,
            rule._to_engine_rule() if rule else engine.Rule(),
            ctx or self._get_split_context(rule, at),
        )
        platform = self.company_id.partner_id.id
        return [
            dict(base, role=share.role, beneficiary_id=share.beneficiary or platform, amount=from_fen(share.amount))
            for share in shares
        ]


def _as_datetime(date):
    """A naive UTC datetime for a date, a datetime or None (now)."""
    if not date:
        return fields.Datetime.now()
    if isinstance(date, datetime):
        return date.replace(tzinfo=None) if date.tzinfo is None else date.astimezone(pytz.utc).replace(tzinfo=None)
    if isinstance(date, str):
        return fields.Datetime.to_datetime(date)
    return datetime.combine(date, time(12, 0))
