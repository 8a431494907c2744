# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import allocate, from_fen, to_fen
from odoo.addons.city_base.tools.localdate import local_date, local_today

from .city_escrow import source_reference

ROLE_SELECTION = [
    ("merchant", "Merchant Payable"),
    ("platform_fee", "Platform Fee"),
    ("channel_fee", "Channel Fee"),
    ("commission", "Distribution Commission"),
    ("franchise", "Franchise Commission"),
    ("points_issue", "Points Issued"),
    ("points_redeem", "Points Redeemed"),
    ("points_expire", "Points Expired"),
    ("points_revoke", "Points Taken Back"),
    ("coupon_reimburse", "Coupon Reimbursed"),
    ("coupon_funding", "Coupon Funded"),
    ("coupon_platform", "Coupon Funded by the Platform"),
    ("refund", "Refund Allocation"),
    ("forfeit", "Expired to Income"),
]
MOVEMENT_SELECTION = [
    ("release", "Delivery"),
    ("refund", "Refund"),
    ("forfeit", "Expiry"),
    ("points", "Points"),
    ("coupon", "Coupon"),
    ("reversal", "Reversal"),
]
# Roles whose amounts change what the platform owes the merchant (its payable).
MERCHANT_PAYABLE_ROLES = (
    "merchant",
    "points_issue",
    "points_redeem",
    "points_revoke",
    "coupon_reimburse",
    "coupon_funding",
)
# Points roles on the merchant's payable: a statement's points movements.
POINTS_PAYABLE_ROLES = ("points_issue", "points_redeem", "points_revoke")


class CitySettlementAllocation(models.Model):
    """One beneficiary's part of one money movement (lean, append-only).

    ``amount`` is signed in the beneficiary's favour: it is credited to the
    account of the role (merchant payable, fee income, …) and debited to the
    movement's contra account (escrow, or points liability). Journal entries are
    posted per batch by :meth:`_post_batch`, never per line.
    """

    _name = "city.settlement.allocation"
    _inherit = ["city.merchant.mixin", "city.hash.chain.mixin"]
    _description = "Settlement Allocation"
    _hash_chain_per_company = True
    _order = "id desc"
    _check_company_auto = True
    _log_access = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    escrow_id = fields.Many2one("city.escrow", index="btree_not_null", ondelete="restrict", readonly=True)
    order_id = fields.Many2one("sale.order", index="btree_not_null", ondelete="restrict", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", ondelete="restrict", readonly=True)
    movement = fields.Selection(MOVEMENT_SELECTION, required=True, readonly=True)
    role = fields.Selection(ROLE_SELECTION, required=True, readonly=True, index=True)
    beneficiary_id = fields.Many2one("res.partner", required=True, ondelete="restrict", readonly=True, index=True)
    amount = fields.Monetary(readonly=True)
    rule_id = fields.Many2one("city.split.rule", ondelete="restrict", readonly=True)
    rule_version = fields.Integer(readonly=True)
    source_ref = fields.Char(string="Source", required=True, index=True, readonly=True)
    source_label = fields.Char(
        string="Source Document", compute="_compute_source_label", help="The source as the merchant knows it."
    )
    name = fields.Char(string="Note", readonly=True)
    date = fields.Date(required=True, index=True, readonly=True)
    account_id = fields.Many2one("account.account", required=True, ondelete="restrict", readonly=True)
    contra_account_id = fields.Many2one("account.account", required=True, ondelete="restrict", readonly=True)
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True, ondelete="restrict")
    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True, ondelete="set null")
    settlement_id = fields.Many2one("city.settlement", readonly=True, ondelete="set null", index="btree_not_null")
    payout_id = fields.Many2one(
        "city.settlement.payout",
        string="Shared By",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        help="Per-transaction payout channels: the share that paid this line out of its transaction.",
    )

    def init(self):
        # The posting queue: lines not yet in a journal entry.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS city_settlement_allocation_unposted_idx"
                " ON city_settlement_allocation (company_id, id) WHERE move_id IS NULL"
            )
        )
        # A points booking exists once per (source, merchant, role): see _book_points.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS city_settlement_allocation_points_uniq"
                " ON city_settlement_allocation (source_ref, merchant_id, role) WHERE movement = 'points'"
            )
        )
        # A coupon booking exists once per (source, merchant, role): see _book_coupon.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS city_settlement_allocation_coupon_uniq"
                " ON city_settlement_allocation (source_ref, merchant_id, role) WHERE movement = 'coupon'"
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS city_settlement_allocation_unsettled_idx"
                " ON city_settlement_allocation (merchant_id, date) WHERE settlement_id IS NULL"
            )
        )

    @api.depends("role", "amount", "source_ref")
    def _compute_display_name(self):
        roles = dict(self._fields["role"]._description_selection(self.env))
        for allocation in self:
            allocation.display_name = "%s %s (%s)" % (
                roles.get(allocation.role, ""),
                allocation.amount,
                allocation.source_ref,
            )

    @api.depends("source_ref")
    def _compute_source_label(self):
        """What a merchant recognises of the source (ticket code, product, member): the
        source model's ``_city_get_source_label()`` when it has one, else its name."""
        by_model = defaultdict(set)
        for allocation in self:
            model, _sep, res_id = (allocation.source_ref or "").partition(",")
            if model in self.env and res_id.isdigit():
                by_model[model].add(int(res_id))
        labels = {}
        for model, ids in by_model.items():
            # Only the label of a source of a line the user may read is shown.
            records_sudo = self.env[model].sudo().with_context(lang=self.env.lang).browse(ids).exists()
            for record_sudo in records_sudo:
                if hasattr(record_sudo, "_city_get_source_label"):
                    label = record_sudo._city_get_source_label()
                else:
                    label = record_sudo.display_name
                labels[f"{model},{record_sudo.id}"] = label
        for allocation in self:
            allocation.source_label = labels.get(allocation.source_ref) or allocation.source_ref

    # ------------------------------------------------------------
    # EVIDENCE CHAIN
    # ------------------------------------------------------------

    def _hash_chain_fields(self):
        return [
            "company_id",
            "currency_id",
            "merchant_id",
            "escrow_id",
            "order_id",
            "partner_id",
            "movement",
            "role",
            "beneficiary_id",
            "amount",
            "rule_id",
            "rule_version",
            "source_ref",
            "name",
            "date",
            "account_id",
            "contra_account_id",
        ]

    def _hash_chain_ready(self):
        # Points and coupon lines are booked on the purchase path: they join the chain when
        # posted (_post_batch), so that no purchase waits on the company's chain head.
        return self.filtered(lambda allocation: allocation.movement not in ("points", "coupon"))

    @api.model
    def _hash_chain_expected_domain(self):
        return ["|", ("movement", "not in", ("points", "coupon")), ("move_id", "!=", False)]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _create_batch(self, vals_list):
        """Create allocation lines in one batch, filling their accounts from the role."""
        if not vals_list:
            return self.browse()
        accounts_by_company = {}
        for vals in vals_list:
            company_id = vals["company_id"]
            if company_id not in accounts_by_company:
                accounts_by_company[company_id] = self.env["res.company"].browse(company_id)._city_get_accounts()
            accounts = accounts_by_company[company_id]
            vals.setdefault("account_id", self._get_role_account(accounts, vals["role"]).id)
            vals.setdefault("contra_account_id", self._get_contra_account(accounts, vals["movement"]).id)
            vals["amount"] = float(vals["amount"])
        return self.sudo().create(vals_list)

    @api.model
    def _get_role_account(self, accounts, role):
        return {
            "merchant": accounts["city_merchant_payable_account_id"],
            "points_issue": accounts["city_merchant_payable_account_id"],
            "points_redeem": accounts["city_merchant_payable_account_id"],
            "points_revoke": accounts["city_merchant_payable_account_id"],
            "franchise": accounts["city_merchant_payable_account_id"],
            "platform_fee": accounts["city_platform_income_account_id"],
            "points_expire": accounts["city_platform_income_account_id"],
            "coupon_reimburse": accounts["city_merchant_payable_account_id"],
            "coupon_funding": accounts["city_merchant_payable_account_id"],
            "coupon_platform": accounts["city_coupon_expense_account_id"],
            "channel_fee": accounts["city_channel_fee_account_id"],
            "commission": accounts["city_commission_account_id"],
            "refund": accounts["city_refund_account_id"],
            "forfeit": accounts["city_forfeit_account_id"],
        }[role]

    @api.model
    def _get_contra_account(self, accounts, movement):
        if movement == "points":
            return accounts["city_points_account_id"]
        if movement == "coupon":
            return accounts["city_coupon_clearing_account_id"]
        return accounts["city_escrow_account_id"]

    def write(self, vals):
        # Append-only: only the posting and settlement links are filled in later.
        self.check_access("write")
        allowed = {"move_id", "move_line_id", "settlement_id", "payout_id"}
        if set(vals) - allowed and not self.env.context.get("city_settlement_allow_write"):
            raise UserError(_("Allocation lines cannot be changed; book a reversal instead."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        raise UserError(_("Allocation lines cannot be deleted; book a reversal instead."))

    # ------------------------------------------------------------
    # BUSINESS: points
    # ------------------------------------------------------------

    @api.model
    def _book_points(self, merchant, amount, kind, source, member=None, company=None):
        """Book the money value of points (issue, redeem, expire or revoke) for ``merchant``.

        ``amount`` (>= 0, computed by the caller at the clearing rate) moves between
        the points liability and the merchant's payable (issue, redeem, revoke) or the
        platform's income (expire). ``revoke`` reverses an issue for points taken
        back: the liability goes back to the merchant that funded them (the caller
        prices it at the issue's rate). Idempotent per (source, kind, merchant).
        A points-clearing rule of the merchant (mode ``points``) keeps its fee on
        redemptions for the platform.

        :param company: the company whose books take the money: by default the
            company of ``source`` when it is a record with one (the wallet's, for
            loyalty's bookings), else the current company.
        :return: the allocation lines created

        No lock is taken: purchases at one merchant do not wait on each other.
        A repeated booking finds its lines; two concurrent bookings of the same
        source (which loyalty never makes: each posting has its own source) meet
        on a unique index instead of booking twice. The lines join the evidence
        chain when they are posted (:meth:`_post_batch`), not here: the chain's
        head is one row per company.
        """
        if kind not in ("issue", "redeem", "expire", "revoke"):
            raise UserError(_("Unknown points booking %s.", kind))
        amount_fen = to_fen(amount)
        if amount_fen < 0:
            raise UserError(_("A points amount cannot be negative."))
        merchant.ensure_one()
        source_ref = source_reference(source)
        role = f"points_{kind}"
        self_sudo = self.sudo()  # called from loyalty flows by any user; the lines are settlement's own
        existing = self_sudo.search(
            [
                ("movement", "=", "points"),
                ("source_ref", "=", source_ref),
                ("merchant_id", "=", merchant.id),
                ("role", "in", (role, "platform_fee") if kind == "redeem" else (role,)),
            ]
        )
        if existing or not amount_fen:
            return existing.with_env(self.env)
        if company is None:
            is_record = isinstance(source, models.BaseModel) and "company_id" in source._fields
            company = source.company_id if is_record and source.company_id else self.env.company
        now = fields.Datetime.now()
        rule = self.env["city.split.rule"]._find_rule(merchant, at=now, company=company, modes=("points",))
        base = {
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "merchant_id": merchant.id,
            "partner_id": member.id if member else False,
            "movement": "points",
            "source_ref": source_ref,
            "date": local_date(now),
            "rule_id": rule.id or False,
            "rule_version": rule.version or 0,
        }
        platform = company.partner_id.id
        if kind in ("issue", "revoke"):  # the merchant funds the points, or gets their funding back
            amount = from_fen(-amount_fen if kind == "issue" else amount_fen)
            vals_list = [dict(base, role=role, beneficiary_id=merchant.id, amount=amount)]
        elif kind == "expire":
            vals_list = [dict(base, role=role, beneficiary_id=platform, amount=from_fen(amount_fen))]
        else:
            from ..engine.split import split as engine_split  # noqa: PLC0415

            if rule:
                shares = engine_split(amount_fen, rule._to_engine_rule(), None)
                fee = sum(s.amount for s in shares if s.role != "merchant")
            else:
                fee = 0
            vals_list = [dict(base, role=role, beneficiary_id=merchant.id, amount=from_fen(amount_fen - fee))]
            if fee:
                vals_list.append(dict(base, role="platform_fee", beneficiary_id=platform, amount=from_fen(fee)))
        return self_sudo._create_batch(vals_list).with_env(self.env)

    # ------------------------------------------------------------
    # BUSINESS: coupons
    # ------------------------------------------------------------

    @api.model
    def _book_coupon(self, merchant, amount, source, funders=None, member=None, company=None, order=None):
        """Book a coupon used at ``merchant``: ``merchant`` is reimbursed ``amount`` and
        its funders are charged it, in shares.

        The member paid the order less the coupon's discount (what escrow holds); the
        discount itself is money the funders owe the accepting merchant. ``funders``
        is a list of ``(merchant partner, weight)``: the amount is split over the
        weights with ``allocate()`` (cent-exact, largest remainder) and each funder's
        payable is debited its part (role ``coupon_funding``, negative); the accepting
        merchant's payable is credited the whole (role ``coupon_reimburse``). The part
        of a funder that is the accepting merchant itself moves nothing (it gave the
        discount from its own price). Without funders (or with zero weights) the
        platform bears the cost (role ``coupon_platform`` on the platform coupon cost
        account). Both sides meet on the coupon clearing account.

        Idempotent per (source, merchant, role) (a unique index backs it); no lock.

        :param company: the company whose books take the money (default: ``order``'s,
            else the current company)
        :return: the allocation lines created (or found)
        """
        amount_fen = to_fen(amount)
        if amount_fen < 0:
            raise UserError(_("A coupon amount cannot be negative."))
        merchant.ensure_one()
        source_ref = source_reference(source)
        self_sudo = self.sudo()  # called from coupon flows by any user; the lines are settlement's own
        existing = self_sudo.search([("movement", "=", "coupon"), ("source_ref", "=", source_ref)])
        if existing or not amount_fen:
            return existing.with_env(self.env)
        company = company or (order.company_id if order else self.env.company)
        funders = [(funder, weight) for funder, weight in (funders or []) if funder and weight > 0]
        parts = allocate(amount_fen, [weight for _f, weight in funders]) if funders else []
        base = {
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "partner_id": member.id if member else False,
            "order_id": order.id if order else False,
            "movement": "coupon",
            "source_ref": source_ref,
            "date": local_today(),
        }
        charged = {}
        for (funder, _weight), part in zip(funders, parts, strict=True):
            if part and funder != merchant:
                charged[funder] = charged.get(funder, 0) + part
        reimbursed = sum(charged.values())
        platform_fen = 0 if funders else amount_fen
        vals_list = []
        if reimbursed + platform_fen:
            vals_list.append(
                dict(
                    base,
                    merchant_id=merchant.id,
                    role="coupon_reimburse",
                    beneficiary_id=merchant.id,
                    amount=from_fen(reimbursed + platform_fen),
                )
            )
        for funder, part in charged.items():
            vals_list.append(
                dict(
                    base, merchant_id=funder.id, role="coupon_funding", beneficiary_id=funder.id, amount=-from_fen(part)
                )
            )
        if platform_fen:
            vals_list.append(
                dict(
                    base,
                    merchant_id=merchant.id,
                    role="coupon_platform",
                    beneficiary_id=company.partner_id.id,
                    amount=-from_fen(platform_fen),
                )
            )
        return self_sudo._create_batch(vals_list).with_env(self.env)

    # ------------------------------------------------------------
    # BUSINESS: batch posting
    # ------------------------------------------------------------

    @api.model
    def _get_period_volume_fen(self, merchant, local_dt, company=None):
        """The merchant's delivered volume (fen) in ``company`` in the month of ``local_dt``."""
        start = local_dt.date().replace(day=1)
        company = company or self.env.company
        self.env["city.settlement.allocation"].flush_model(["company_id", "merchant_id", "movement", "amount", "date"])
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(amount), 0) FROM city_settlement_allocation"
                " WHERE merchant_id = %s AND company_id = %s AND movement = 'release' AND date >= %s",
                merchant.id,
                company.id,
                start,
            )
        )
        return to_fen(self.env.cr.fetchone()[0])

    @api.model
    def _post_batch(self, company=None, limit=None, date=None):
        """Post every unposted allocation line as ONE journal entry (per company).

        Lines are summed per (account, partner, merchant) on the credit side and per
        (contra account, merchant) on the debit side; each allocation keeps the
        link to its journal item, so the per-delivery detail (order, source) stays
        on the allocation lines. Safe to run concurrently and to re-run: lines are
        taken with ``FOR UPDATE SKIP LOCKED`` and a line already in an entry is never
        taken again.

        :return: the ``account.move`` posted (empty when there was nothing to post)
        """
        company = company or self.env.company
        self.flush_model()
        query = SQL(
            "SELECT id, account_id, contra_account_id, merchant_id, beneficiary_id, amount"
            " FROM city_settlement_allocation WHERE move_id IS NULL AND company_id = %s"
            " ORDER BY id %s FOR UPDATE SKIP LOCKED",
            company.id,
            SQL("LIMIT %s", limit) if limit else SQL(""),
        )
        self.env.cr.execute(query)
        rows = self.env.cr.fetchall()
        if not rows:
            return self.env["account.move"]
        # Lines chained late (points, see _hash_chain_ready) join the evidence chain now.
        self.browse([row[0] for row in rows])._hash_chain_append()
        credit = defaultdict(int)
        debit = defaultdict(int)
        credit_ids = defaultdict(list)
        for alloc_id, account_id, contra_id, merchant_id, beneficiary_id, amount in rows:
            fen = to_fen(amount)
            credit[(account_id, beneficiary_id, merchant_id)] += fen
            credit_ids[(account_id, beneficiary_id, merchant_id)].append(alloc_id)
            debit[(contra_id, merchant_id)] += fen
        merchants = self.env["res.partner"].browse({m for (_a, m) in debit}).sudo()
        names = {m.id: m.display_name for m in merchants}
        accounts = self.env["res.company"].browse(company.id)._city_get_accounts()
        # One journal item per key (account, partner, merchant), credit-positive: the
        # beneficiaries' side, then the contra side (netted should both meet on a key),
        # so that each allocation finds its item by that key, not by position.
        net = dict(credit)
        for (contra_id, merchant_id), fen in debit.items():
            key = (contra_id, merchant_id, merchant_id)
            net[key] = net.get(key, 0) - fen
        line_vals = []
        # Everything netted to zero (e.g. points issued and taken back in one batch): the
        # entry keeps its zero items of the beneficiaries' side, an entry needs a line.
        keep_zero = not any(net.values())
        for key, fen in net.items():
            account_id, partner_id, merchant_id = key
            if not fen and not (keep_zero and key in credit_ids):
                continue
            if key in credit_ids:
                label = _(
                    "%(merchant)s: %(count)s allocations", merchant=names[merchant_id], count=len(credit_ids[key])
                )
            else:
                label = _("%(merchant)s: released", merchant=names[merchant_id])
            line_vals.append(
                {
                    "account_id": account_id,
                    "partner_id": partner_id,
                    "city_merchant_id": merchant_id,
                    "name": label,
                    "debit": float(from_fen(-fen)) if fen < 0 else 0.0,
                    "credit": float(from_fen(fen)) if fen > 0 else 0.0,
                }
            )
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": accounts["city_settlement_journal_id"].id,
                    "date": date or local_today(),
                    "ref": _("City settlement batch: %s allocation lines", len(rows)),
                    "company_id": company.id,
                    "line_ids": [fields.Command.create(v) for v in line_vals],
                }
            )
        )
        move._post(soft=False)
        # Link each allocation to its entry and to the journal item of its key, in one statement.
        item_by_key = {(ln.account_id.id, ln.partner_id.id, ln.city_merchant_id.id): ln.id for ln in move.line_ids}
        pairs = []
        for key, alloc_ids in credit_ids.items():
            if key in item_by_key:
                pairs.extend((alloc_id, item_by_key[key]) for alloc_id in alloc_ids)
        self.env.cr.execute(
            SQL(
                "UPDATE city_settlement_allocation a SET move_id = %s, move_line_id = v.line_id"
                " FROM (SELECT unnest(%s::int[]) AS alloc_id, unnest(%s::int[]) AS line_id) v"
                " WHERE a.id = v.alloc_id",
                move.id,
                [p[0] for p in pairs],
                [p[1] for p in pairs],
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE city_settlement_allocation SET move_id = %s WHERE id = ANY(%s) AND move_id IS NULL",
                move.id,
                [row[0] for row in rows],
            )
        )
        self.invalidate_model(["move_id", "move_line_id"])
        return move

    @api.model
    def _has_unposted(self, company):
        """Whether lines of ``company`` wait for their batch entry."""
        self.flush_model(["move_id", "company_id"])
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM city_settlement_allocation WHERE move_id IS NULL AND company_id = %s LIMIT 1",
                company.id,
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _cron_post_batches(self, batch_size=50000):
        """Cron: post the pending allocation lines of every company, each in its company.

        One entry of at most ``batch_size`` lines per company and run; when lines are
        left, the cron triggers itself again (each run is its own transaction).
        """
        more = False
        for company in self.env["res.company"].sudo().search([]):
            if self.with_company(company)._post_batch(company=company, limit=batch_size):
                more |= self._has_unposted(company)
        if more:
            self.env.ref("city_settlement.ir_cron_city_post_allocations")._trigger()
