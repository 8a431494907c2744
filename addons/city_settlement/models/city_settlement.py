# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import from_fen, to_fen
from odoo.addons.city_base.tools.localdate import local_today

from .city_settlement_allocation import MERCHANT_PAYABLE_ROLES, POINTS_PAYABLE_ROLES
from .city_split_rule import CYCLE_SELECTION

_logger = logging.getLogger(__name__)

# Concurrency errors are not a merchant's failure: the request (or cron run) is retried.
_RETRYABLE_ERRORS = (
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
    psycopg2.errors.LockNotAvailable,
)


def _exception_reason(exc):
    """The message of an exception as a user reads it."""
    if isinstance(exc, (UserError, ValidationError)):
        return exc.args[0] if exc.args else str(exc)
    return str(exc) or exc.__class__.__name__


def cycle_cutoff(cycle, today):
    """The last day a settlement of ``cycle`` run on ``today`` covers."""
    if cycle == "realtime":
        return today
    if cycle == "weekly":
        return today - timedelta(days=today.weekday() + 1)  # last Sunday
    if cycle == "monthly":
        return today.replace(day=1) - timedelta(days=1)  # end of last month
    return today - timedelta(days=1)  # T+1


class CitySettlement(models.Model):
    """A merchant's statement for a cycle: draft → confirmed → paid.

    It gathers the merchant's payable allocation lines up to ``date_to`` that no
    earlier statement took, shows opening balance, movements and closing balance,
    and pays the merchant through a payout channel (see README.rst).
    """

    _name = "city.settlement"
    _inherit = ["city.merchant.mixin", "mail.thread"]
    _description = "Merchant Settlement"
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    cycle = fields.Selection(CYCLE_SELECTION, required=True, default="t1", readonly=True)
    date_from = fields.Date(readonly=True)
    date_to = fields.Date(required=True, readonly=True, index=True)
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed"), ("paid", "Paid"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    allocation_ids = fields.One2many("city.settlement.allocation", "settlement_id", string="Allocation Lines")
    allocation_count = fields.Integer(compute="_compute_allocation_count")
    opening_balance = fields.Monetary(readonly=True)
    amount_movements = fields.Monetary(string="Movements", compute="_compute_amounts", store=True)
    amount_delivered = fields.Monetary(string="Deliveries", compute="_compute_amounts", store=True)
    amount_points = fields.Monetary(string="Points", compute="_compute_amounts", store=True)
    amount_coupons = fields.Monetary(
        string="Coupons",
        compute="_compute_amounts",
        store=True,
        help="Alliance coupons: reimbursed for coupons accepted, charged for coupons funded.",
    )
    amount_payout = fields.Monetary(string="Paid Out", readonly=True)
    closing_balance = fields.Monetary(compute="_compute_amounts", store=True)
    payout_channel = fields.Selection(
        selection="_get_payout_channel_selection", default="bank", required=True, tracking=True
    )
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False, ondelete="restrict")
    payout_ids = fields.One2many("city.settlement.payout", "settlement_id", string="Payouts")
    payout_ref = fields.Char(string="Payout Reference", readonly=True, copy=False)

    def init(self):
        # One live statement per merchant and cut-off (a cancelled one may be redone).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS city_settlement_merchant_period_uniq"
                " ON city_settlement (company_id, merchant_id, date_to) WHERE state != 'cancel'"
            )
        )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("allocation_ids.amount", "allocation_ids.role", "opening_balance", "amount_payout")
    def _compute_amounts(self):
        for settlement in self:
            lines = settlement.allocation_ids.filtered(lambda a, m=settlement.merchant_id: a.merchant_id == m)
            delivered = sum(to_fen(a.amount) for a in lines if a.role == "merchant")
            points = sum(to_fen(a.amount) for a in lines if a.role in POINTS_PAYABLE_ROLES)
            coupons = sum(to_fen(a.amount) for a in lines if a.role in ("coupon_reimburse", "coupon_funding"))
            settlement.amount_delivered = float(from_fen(delivered))
            settlement.amount_points = float(from_fen(points))
            settlement.amount_coupons = float(from_fen(coupons))
            settlement.amount_movements = float(from_fen(delivered + points + coupons))
            settlement.closing_balance = float(
                from_fen(
                    to_fen(settlement.opening_balance) + delivered + points + coupons - to_fen(settlement.amount_payout)
                )
            )

    def _compute_allocation_count(self):
        for settlement in self:
            settlement.allocation_count = len(settlement.allocation_ids)

    @api.model
    def _get_payout_channel_selection(self):
        """Payout channels; other modules add theirs (see README.rst, payout channel interface)."""
        return [("bank", _("Bank Transfer"))]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")  # before the sudo'd sequence: a refused caller takes no number
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("city.settlement") or "/"
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_not_draft(self):
        if any(s.state not in ("draft", "cancel") for s in self):
            raise UserError(_("Only draft settlements can be deleted."))

    # ------------------------------------------------------------
    # BUSINESS: runs
    # ------------------------------------------------------------

    @api.model
    def _get_merchant_cycle(self, merchant, company=None):
        rule = self.env["city.split.rule"]._find_rule(merchant, company=company, modes=("periodic",))
        return (rule.settlement_cycle if rule else False) or merchant.city_settlement_cycle or "t1"

    @api.model
    def _get_merchants_to_settle(self, company, today, limit=None):
        """Merchants of ``company`` with posted payable lines not yet settled, dated up
        to ``today``; oldest lines first (those are the ones due)."""
        self.env["city.settlement.allocation"].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT merchant_id FROM city_settlement_allocation"
                " WHERE settlement_id IS NULL AND company_id = %s AND role IN %s AND date <= %s"
                " AND move_id IS NOT NULL AND %s"
                " GROUP BY merchant_id ORDER BY MIN(date), merchant_id %s",
                company.id,
                MERCHANT_PAYABLE_ROLES,
                today,
                self._city_settle_line_filter(),
                SQL("LIMIT %s", limit) if limit else SQL(""),
            )
        )
        return self.env["res.partner"].browse([r[0] for r in self.env.cr.fetchall()])

    @api.model
    def _run_settlements(self, today=None, merchants=None, company=None, raise_errors=False):
        """Create the draft statements due ``today`` (one per merchant and cut-off).

        Safe to interrupt and re-run: pending allocations are posted first (each
        exactly once), each merchant is settled in its own savepoint, a merchant
        already settled for the cut-off is skipped, and a line is taken by one
        statement only. A merchant that cannot be settled is logged with its
        reason and the others are settled (the cron); with ``raise_errors`` a
        :class:`UserError` names every merchant that failed and why (the button).

        :return: the settlements created
        """
        company = company or self.env.company
        Settlement = self.with_company(company)  # the run books in ``company``, whoever runs it
        today = today or local_today()
        Allocation = Settlement.env["city.settlement.allocation"].sudo()
        while Allocation._post_batch(company=company, limit=50000):
            pass
        if merchants is None:
            merchants = Settlement._get_merchants_to_settle(company, today)
        created = self.browse()
        failures = []
        for merchant in merchants:
            try:
                with self.env.cr.savepoint():
                    created |= Settlement._settle_merchant(merchant, today, company)
            except _RETRYABLE_ERRORS:
                raise  # concurrency: Odoo retries the whole request or cron run
            except Exception as exc:  # one merchant's failure must not stop the others
                reason = _exception_reason(exc)
                _logger.exception(
                    "settlement of merchant %s (%s) in company %s failed: %s; it will be retried",
                    merchant.id,
                    merchant.display_name,
                    company.id,
                    reason,
                )
                failures.append((merchant, reason))
        if failures and raise_errors:
            raise UserError(
                _(
                    "The settlement run failed for these merchants; nothing was settled:\n%s",
                    "\n".join(f"{merchant.display_name}: {reason}" for merchant, reason in failures),
                )
            )
        return created.with_env(self.env)

    @api.model
    def _city_settle_line_filter(self):
        """Hook: an SQL condition on ``city_settlement_allocation`` rows that statements take
        (a module settling some lines another way leaves them out)."""
        return SQL("TRUE")

    @api.model
    def _settle_merchant(self, merchant, today, company):
        """Create the merchant's draft statement for its cut-off (or nothing)."""
        cycle = self._get_merchant_cycle(merchant, company)
        date_to = cycle_cutoff(cycle, today)
        self.env.cr.execute(SQL("SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE", merchant.id))
        existing = self.sudo().search(
            [("merchant_id", "=", merchant.id), ("company_id", "=", company.id), ("date_to", "=", date_to)]
        )
        if existing.filtered(lambda s: s.state != "cancel"):
            return self.browse()
        self.env["city.settlement.allocation"].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM city_settlement_allocation WHERE settlement_id IS NULL AND merchant_id = %s"
                " AND company_id = %s AND role IN %s AND date <= %s AND move_id IS NOT NULL AND %s FOR UPDATE",
                merchant.id,
                company.id,
                MERCHANT_PAYABLE_ROLES,
                date_to,
                self._city_settle_line_filter(),
            )
        )
        line_ids = [r[0] for r in self.env.cr.fetchall()]
        if not line_ids:
            return self.browse()
        previous = self.sudo().search(
            [("merchant_id", "=", merchant.id), ("company_id", "=", company.id), ("state", "!=", "cancel")],
            order="date_to desc, id desc",
            limit=1,
        )
        settlement = self.sudo().create(
            {
                "merchant_id": merchant.id,
                "company_id": company.id,
                "cycle": cycle,
                "date_from": previous.date_to + timedelta(days=1) if previous else False,
                "date_to": date_to,
                "opening_balance": previous.closing_balance if previous else 0.0,
            }
        )
        self.env.cr.execute(
            SQL(
                "UPDATE city_settlement_allocation SET settlement_id = %s WHERE id = ANY(%s)",
                settlement.id,
                line_ids,
            )
        )
        self.env["city.settlement.allocation"].invalidate_model(["settlement_id"])
        settlement.invalidate_recordset()
        settlement._compute_amounts()
        return settlement

    @api.model
    def _cron_run_settlements(self, batch_size=200):
        """Cron: settle the merchants due, each company in its own company.

        At most one posting batch and ``batch_size`` merchants per company and run;
        when more is left (and the run made progress), the cron triggers itself again.
        """
        Allocation = self.env["city.settlement.allocation"].sudo()
        more = False
        for company in self.env["res.company"].sudo().search([]):
            if Allocation.with_company(company)._post_batch(company=company, limit=batch_size * 50):
                if Allocation._has_unposted(company):
                    more = True
                    continue  # settle once every line of the company is posted
            Settlement = self.with_company(company)
            today = local_today()
            merchants = Settlement._get_merchants_to_settle(company, today, limit=batch_size)
            created = Settlement._run_settlements(today=today, merchants=merchants, company=company)
            more |= len(merchants) == batch_size and bool(created)
        if more:
            self.env.ref("city_settlement.ir_cron_city_run_settlements")._trigger()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.model
    def action_run_settlements(self):
        """Run the settlements due today and show the statements created (accountants)."""
        access.check_groups(self.env, access.ACCOUNTANT)
        self.check_access("create")
        created = self._run_settlements(raise_errors=True)
        action = self.env["ir.actions.act_window"]._for_xml_id("city_settlement.city_settlement_action")
        action["domain"] = [("id", "in", created.ids)]
        return action

    def action_confirm(self):
        access.check_groups(self.env, access.ACCOUNTANT)
        self.check_access("write")
        for settlement in self:
            if settlement.state != "draft":
                raise UserError(_("Only draft settlements can be confirmed."))
        self.write({"state": "confirmed"})

    def action_pay(self):
        """Pay the confirmed statements through their payout channel (idempotent)."""
        access.check_groups(self.env, access.ACCOUNTANT)
        self.check_access("write")
        for settlement in self:
            if settlement.state == "paid":
                continue
            if settlement.state != "confirmed":
                raise UserError(_("Confirm settlement %s before paying it.", settlement.name))
            self.env.cr.execute(SQL("SELECT id FROM city_settlement WHERE id = %s FOR UPDATE", settlement.id))
            settlement.invalidate_recordset()
            if settlement.state == "paid":
                continue
            getattr(settlement, f"_city_payout_{settlement.payout_channel}")()

    def action_cancel(self):
        access.check_groups(self.env, access.ACCOUNTANT)
        self.check_access("write")
        for settlement in self:
            if settlement.state == "paid":
                raise UserError(_("A paid settlement cannot be cancelled."))
        # Releasing the lines for the next run is settlement bookkeeping, not a change of the lines.
        self.allocation_ids.sudo().write({"settlement_id": False})
        self.write({"state": "cancel"})

    def action_print_statement(self):
        access.check_groups(self.env, *access.ANY_ROLE)
        self.check_access("read")
        return self.env.ref("city_settlement.action_report_city_settlement").report_action(self)

    # ------------------------------------------------------------
    # PAYOUT CHANNELS
    # ------------------------------------------------------------

    def _city_payout_done(self, amount, payment=None, reference=None):
        """Called by a payout channel once the money has left: record it, state ``paid``."""
        self.ensure_one()
        self.env["city.settlement.payout"].sudo().create(
            {
                "settlement_id": self.id,
                "merchant_id": self.merchant_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "amount": amount,
                "channel": self.payout_channel,
                "payment_id": payment.id if payment else False,
                "reference": reference or (payment.name if payment else False),
            }
        )
        self.write(
            {
                "amount_payout": amount,
                "payment_id": payment.id if payment else False,
                "payout_ref": reference or (payment.name if payment else False),
                "state": "paid",
            }
        )

    def _city_payout_bank(self):
        """Bank transfer: an outbound ``account.payment`` to the merchant, posted."""
        self.ensure_one()
        amount_fen = to_fen(self.opening_balance) + to_fen(self.amount_movements)
        if amount_fen <= 0:
            self._city_payout_done(0.0, reference=_("Nothing to pay"))
            return
        accounts = self.company_id._city_get_accounts()
        journal = (
            self.env["account.journal"]
            .sudo()
            .search([("type", "=", "bank"), ("company_id", "=", self.company_id.id)], limit=1)
        )
        if not journal:
            raise UserError(_("Create a bank journal to pay settlements by bank transfer."))
        payment = (
            self.env["account.payment"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "payment_type": "outbound",
                    "partner_type": "supplier",
                    "partner_id": self.merchant_id.id,
                    "amount": float(from_fen(amount_fen)),
                    "currency_id": self.currency_id.id,
                    "journal_id": journal.id,
                    "company_id": self.company_id.id,
                    "date": local_today(),
                    "memo": self.name,
                    "destination_account_id": accounts["city_merchant_payable_account_id"].id,
                    "partner_bank_id": self.merchant_id.settlement_bank_id.id or False,
                }
            )
        )
        payment.action_post()
        self._city_payout_done(float(from_fen(amount_fen)), payment=payment)
