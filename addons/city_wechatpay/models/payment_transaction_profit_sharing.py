# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Profit sharing (分账) in service-provider mode, per paid transaction.

A payment for a merchant with a sub-merchant ID lands frozen in its sub-account
(``settle_info.profit_sharing``). What the receivers (the operator, other merchants)
are owed is read from the allocation lines of the transaction's escrow (deliveries,
reversals, expiries), less what was shared already: the difference is shared (or
returned) by one request per transaction and cron run. See the README.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import to_fen

from .. import const
from .payment_provider import WechatpayError

_logger = logging.getLogger(__name__)

SHARED_MOVEMENTS = ("release", "reversal", "forfeit")
# Parts of the split no receiver gets: the merchant's own, the channel fee that WeChat
# Pay takes from the sub-merchant's money before sharing (WECHAT.md, profit sharing), and
# what a reversed delivery makes due to the member (WeChat Pay refunds it).
NOT_SHARED_ROLES = ("merchant", "channel_fee", "refund")
FEE_KEY = "channel_fee"


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    wechatpay_profit_sharing = fields.Boolean(
        string="Profit Sharing",
        readonly=True,
        copy=False,
        help="Paid to a sub-merchant with settle_info.profit_sharing: frozen at WeChat Pay until shared.",
    )
    wechatpay_ps_state = fields.Selection(
        [("open", "Frozen"), ("closed", "Unfrozen")],
        string="Profit-sharing State",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    wechatpay_ps_ahead = fields.Boolean(
        string="Shared Ahead of Delivery",
        readonly=True,
        copy=False,
        help="The deadline cron shared the operator's part of what was not delivered yet and released the rest.",
    )
    wechatpay_ps_requests = fields.Integer(string="Profit-sharing Requests", readonly=True, copy=False)
    wechatpay_ps_payout_ids = fields.One2many("city.settlement.payout", "transaction_id", string="Profit Shares")
    wechatpay_ps_from_balance = fields.Monetary(
        string="Refunded from the Merchant's Balance",
        readonly=True,
        copy=False,
        help="A refund after profit sharing: the part WeChat Pay takes from the merchant's balance.",
    )
    wechatpay_ps_external = fields.Selection(
        [("to_book", "To Book"), ("returning", "Shares to Return First"), ("done", "Booked")],
        string="Refund Made on WeChat Pay",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="A refund of a shared payment made on WeChat Pay's merchant platform (not from Odoo): WeChat took "
        "it from the frozen funds, then from the merchant's balance; the receivers' excess shares are returned "
        "(回退) by the next profit-sharing run, then what the merchant's balance gave is recorded (clawback).",
    )

    # ------------------------------------------------------------
    # BUSINESS: prepay to the merchant's sub-account
    # ------------------------------------------------------------

    def _wechatpay_ps_order_merchant(self):
        """The merchant of the paid orders whose sub-merchant account is paid (or nothing)."""
        self.ensure_one()
        merchants = self.sale_order_ids.order_line.product_id.merchant_id
        partner_merchants = merchants.filtered("wechatpay_sub_mchid")
        if not partner_merchants:
            return partner_merchants
        if len(merchants) > 1:
            raise UserError(
                _(
                    "An order for several merchants (%s) cannot be paid to one sub-merchant account.",
                    ", ".join(merchants.mapped("display_name")),
                )
            )
        return partner_merchants

    def _wechatpay_get_sub_merchant(self):
        """Override: in service-provider mode, the sub-account of the order's merchant."""
        merchant = self._wechatpay_ps_order_merchant()
        if merchant:
            return merchant.wechatpay_sub_mchid, False
        return super()._wechatpay_get_sub_merchant()

    def _wechatpay_prepare_pay_kwargs(self):
        """Override: a payment to a merchant's sub-account is frozen for profit sharing."""
        kwargs, vals = super()._wechatpay_prepare_pay_kwargs()
        if self.provider_id.sudo().wechatpay_mode == "partner" and self._wechatpay_ps_order_merchant():
            kwargs["settle_info"] = {"profit_sharing": True}
            vals.update(wechatpay_profit_sharing=True, wechatpay_ps_state="open")
        return kwargs, vals

    # ------------------------------------------------------------
    # BUSINESS: what is owed, shared, frozen
    # ------------------------------------------------------------

    def _wechatpay_ps_escrows(self):
        """The escrows whose money this payment holds (a hook: a part of a cross-merchant
        order holds its own merchant's, see payment_transaction_combine.py)."""
        self.ensure_one()
        return self.sale_order_ids.sudo().city_escrow_ids

    def _wechatpay_ps_merchant(self):
        self.ensure_one()
        return self._wechatpay_ps_escrows().merchant_id[:1]

    def _wechatpay_ps_receiver(self, partner):
        """The receiver account (商户号) a beneficiary's share goes to: another merchant's
        sub-merchant ID, else the operator (service provider)."""
        if partner.is_merchant and partner.wechatpay_sub_mchid and partner != self._wechatpay_ps_merchant():
            return partner.wechatpay_sub_mchid
        return self.provider_id.sudo().wechatpay_mchid

    def _wechatpay_ps_allocations(self, unmarked=False):
        self.ensure_one()
        domain = [
            ("escrow_id", "in", self._wechatpay_ps_escrows().ids),
            ("movement", "in", SHARED_MOVEMENTS),
        ]
        if unmarked:
            domain.append(("payout_id", "=", False))
        return self.env["city.settlement.allocation"].sudo().search(domain, order="id")

    def _wechatpay_ps_due(self):
        """Receiver account -> fen the receivers are owed out of this transaction (the
        channel fee is no receiver's: WeChat Pay takes it before sharing, see ``_wechatpay_ps_fee_due``)."""
        self.ensure_one()
        merchant = self._wechatpay_ps_merchant()
        due = defaultdict(int)
        for allocation in self._wechatpay_ps_allocations():
            if allocation.role not in NOT_SHARED_ROLES and allocation.beneficiary_id != merchant:
                due[self._wechatpay_ps_receiver(allocation.beneficiary_id)] += to_fen(allocation.amount)
        if self.wechatpay_ps_ahead:
            for receiver, fen in self._wechatpay_ps_ahead_split().items():
                due[receiver] += fen
        return due

    def _wechatpay_ps_fee_due(self):
        """The channel fee (fen) WeChat Pay took from this payment's held funds, as the
        split books it: the fee of what was delivered (and, shared ahead, of what was not)."""
        self.ensure_one()
        fee = sum(to_fen(a.amount) for a in self._wechatpay_ps_allocations() if a.role == "channel_fee")
        if self.wechatpay_ps_ahead:
            fee += self._wechatpay_ps_ahead_split(roles=("channel_fee",)).get(FEE_KEY, 0)
        return fee

    def _wechatpay_ps_fee_booked(self):
        """The channel fee (fen) this payment's payouts booked out of the held funds."""
        return sum(to_fen(p.wechatpay_amount_fee) for p in self._wechatpay_ps_live_payouts())

    def _wechatpay_ps_ahead_split(self, roles=None):
        """Receiver account -> fen of the split of what is still held (not delivered); with
        ``roles`` (``("channel_fee",)``) the channel fee instead, under ``FEE_KEY``."""
        merchant = self._wechatpay_ps_merchant()
        due = defaultdict(int)
        now = fields.Datetime.now()
        for escrow in self._wechatpay_ps_escrows():
            residual = to_fen(escrow.amount_residual)
            if residual <= 0:
                continue
            for vals in escrow._prepare_movement_allocations("release", residual, "ahead", now):
                if roles is not None:
                    if vals["role"] in roles:
                        due[FEE_KEY] += to_fen(vals["amount"])
                elif vals["role"] not in NOT_SHARED_ROLES and vals["beneficiary_id"] != merchant.id:
                    partner = self.env["res.partner"].browse(vals["beneficiary_id"])
                    due[self._wechatpay_ps_receiver(partner)] += to_fen(vals["amount"])
        return due

    def _wechatpay_ps_live_payouts(self):
        return self.wechatpay_ps_payout_ids.filtered(lambda p: p.state in ("pending", "done"))

    def _wechatpay_ps_shared(self):
        """Receiver account -> fen shared to it, net of returns."""
        shared = defaultdict(int)
        for payout in self._wechatpay_ps_live_payouts():
            sign = payout._wechatpay_shared_sign()
            for receiver, fen in payout._wechatpay_receivers().items():
                shared[receiver] += sign * fen
        return shared

    def _wechatpay_ps_final_payout(self):
        """The live share that unfroze the rest to the merchant (or nothing)."""
        return self._wechatpay_ps_live_payouts().filtered(
            lambda p: p.wechatpay_kind == "share" and p.wechatpay_unfreeze
        )[:1]

    def _wechatpay_ps_fee_adjustments(self):
        """The channel-fee adjustments to WeChat's bill booked on the merchant's side of this
        payment (``city.wechatpay.fee.adjustment``, service-provider mode)."""
        self.ensure_one()
        return (
            self.env["city.wechatpay.fee.adjustment"]
            .sudo()
            .search([("transaction_id", "=", self.id), ("merchant_id", "!=", False)], order="id")
        )

    def _wechatpay_ps_adjusted_release_fen(self):
        """What WeChat Pay released to the merchant more than the live final share recorded
        (fen): the release corrections of fee adjustments booked after it."""
        self.ensure_one()
        return sum(p._wechatpay_released_correction_fen() for p in self._wechatpay_ps_live_payouts())

    def _wechatpay_ps_frozen_fen(self):
        """What WeChat Pay still holds frozen for this transaction (fen): the channel fee
        booked by the shares is gone (WeChat took it), and so is the difference to WeChat's
        bill booked by a fee adjustment (the merchant bears it)."""
        self.ensure_one()
        payouts = self._wechatpay_ps_live_payouts()
        refunds = self.child_transaction_ids.filtered(
            lambda t: t.operation == "refund" and t.state in ("pending", "done")
        )
        from_frozen = sum(to_fen(-r.amount) - to_fen(r.wechatpay_ps_from_balance) for r in refunds)
        shared = sum(to_fen(p.amount) for p in payouts if p.wechatpay_kind == "share")
        released = sum(
            to_fen(p.wechatpay_amount_released) + to_fen(p.wechatpay_amount_ahead) + to_fen(p.wechatpay_amount_fee)
            for p in payouts
            if p.wechatpay_kind == "share"
        )
        adjusted = sum(to_fen(a.amount) for a in self._wechatpay_ps_fee_adjustments())
        return (
            to_fen(self.amount) - from_frozen - shared - released - adjusted - self._wechatpay_ps_adjusted_release_fen()
        )

    def _wechatpay_ps_balance_fen(self):
        """What the merchant's balance got from this transaction and still has (fen)."""
        payouts = self._wechatpay_ps_live_payouts()
        released = self._wechatpay_ps_adjusted_release_fen() + sum(
            to_fen(p.wechatpay_amount_released) + to_fen(p.wechatpay_amount_ahead)
            for p in payouts
            if p.wechatpay_kind == "share"
        )
        returned = sum(to_fen(p.amount) for p in payouts if p.wechatpay_kind == "return")
        # WeChat Pay gives a refunded part's channel fee back: the balance paid that much less
        fee_back = -sum(to_fen(p.wechatpay_amount_fee) for p in payouts if p.wechatpay_kind == "clawback")
        refunds = self.child_transaction_ids.filtered(lambda t: t.operation == "refund" and t.state == "done")
        return released + returned + fee_back - sum(to_fen(r.wechatpay_ps_from_balance) for r in refunds)

    # ------------------------------------------------------------
    # BUSINESS: sharing
    # ------------------------------------------------------------

    def _wechatpay_ps_lock(self, wait=False):
        """Lock this transaction's row without waiting and write it, so that a concurrent
        cron (its snapshot older than this commit) fails on the row instead of sharing twice.

        :raise pg_errors.LockNotAvailable: another run holds it
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE %s",
                self.id,
                SQL("") if wait else SQL("NOWAIT"),
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE payment_transaction SET wechatpay_ps_requests = COALESCE(wechatpay_ps_requests, 0)"
                " WHERE id = %s",
                self.id,
            )
        )
        self.invalidate_recordset()

    def _wechatpay_ps_is_final(self):
        """Everything paid is delivered, refunded or expired: the last share unfreezes the rest."""
        escrows = self._wechatpay_ps_escrows()
        return bool(escrows) and all(to_fen(e.amount_residual) <= 0 for e in escrows)

    def _wechatpay_ps_run(self, deadline=False):
        """Share what is owed now (one request), return what was shared too much; with
        ``deadline`` (or once everything is delivered) unfreeze the rest to the merchant.

        The caller locked the row (``_wechatpay_ps_lock``).

        :return: the payouts created (shares, returns)
        """
        self.ensure_one()
        Payout = self.env["city.settlement.payout"].sudo()
        if self.wechatpay_ps_state != "open":
            return Payout._wechatpay_settle_closed(self)
        pending = self._wechatpay_ps_live_payouts().filtered(lambda p: p.state == "pending")
        if pending:
            pending._wechatpay_send()
            return pending
        if deadline and not self.wechatpay_ps_ahead:
            self.wechatpay_ps_ahead = True
        final = deadline or self._wechatpay_ps_is_final()
        due, shared = self._wechatpay_ps_due(), self._wechatpay_ps_shared()
        excess = {r: shared[r] - due.get(r, 0) for r in shared if shared[r] > due.get(r, 0)}
        created = Payout._wechatpay_create_returns(self, excess) if excess else Payout
        created |= self._wechatpay_ps_claw_back_external()
        owed = {r: fen - shared.get(r, 0) for r, fen in due.items() if fen > shared.get(r, 0)}
        if not final and (not owed or self.wechatpay_ps_requests >= const.PS_MAX_REQUESTS - 1):
            return created
        self._wechatpay_ps_check_cap(owed)
        return created | Payout._wechatpay_create_share(self, owed, final)

    def _wechatpay_ps_check_cap(self, owed):
        """The receivers' total stays within the sub-merchant's cap (checked before sending).

        :raise UserError: naming the merchant and its cap
        """
        merchant = self._wechatpay_ps_merchant()
        total = sum(self._wechatpay_ps_shared().values()) + sum(owed.values())
        cap = merchant._wechatpay_cap_fen(to_fen(self.amount))
        if total > cap:
            raise UserError(
                _(
                    "Profit sharing of %(reference)s refused: receivers would take %(share)s of %(total)s paid to "
                    "%(merchant)s, more than its cap of %(cap)s%%.",
                    reference=self.reference,
                    share=total / 100,
                    total=self.amount,
                    merchant=merchant.display_name,
                    cap=merchant.wechatpay_max_share_percent,
                )
            )

    # ------------------------------------------------------------
    # BUSINESS: refunds after sharing
    # ------------------------------------------------------------

    def _wechatpay_ps_before_refund(self, refund):
        """Before a refund of a shared payment is sent: return (回退) from the receivers what
        they were shared of it and what the merchant's sub-account lacks, and note what
        comes out of the merchant's balance.

        A refund not booked by its caller (Odoo's refund button) is booked on the escrow
        first (``_wechatpay_book_refund``), as the suite's refund by policy is: what the
        receivers were shared of the refunded part (the commission shared on delivery or
        ahead of it at the deadline) is then returned before the refund, not by a later
        cron run. A refusal by WeChat rolls the booking back with the refund."""
        self.ensure_one()
        if not self.wechatpay_profit_sharing or not self._wechatpay_ps_live_payouts():
            return
        self._wechatpay_ps_lock(wait=True)
        if refund.wechatpay_book_escrow:
            refund._wechatpay_book_refund()
            self.invalidate_recordset()
        refund_fen = to_fen(-refund.amount)
        from_balance = max(0, refund_fen - max(0, self._wechatpay_ps_frozen_fen()))
        lacking = from_balance - self._wechatpay_ps_balance_fen()
        due, shared = self._wechatpay_ps_due(), self._wechatpay_ps_shared()
        returns = {r: shared[r] - due.get(r, 0) for r in shared if shared[r] > due.get(r, 0)}
        lacking -= sum(returns.values())
        operator = self.provider_id.sudo().wechatpay_mchid
        for receiver in sorted(shared, key=lambda r: r != operator):
            if lacking <= 0:
                break
            take = min(lacking, shared[receiver] - returns.get(receiver, 0))
            if take > 0:
                returns[receiver] = returns.get(receiver, 0) + take
                lacking -= take
        Payout = self.env["city.settlement.payout"].sudo()
        payouts = Payout._wechatpay_create_returns(self, returns) if returns else Payout
        if payouts.filtered(lambda p: p.state != "done"):
            raise UserError(_("WeChat Pay has not confirmed the return of the shares yet: refund again later."))
        refund.wechatpay_ps_from_balance = from_balance / 100

    def _wechatpay_ps_after_refund(self):
        """A done refund of a shared payment: what the merchant gave back from its balance.

        A refund made on WeChat Pay's platform is booked here first
        (``_wechatpay_ps_book_external_refund``); its clawback waits for the returns of the
        receivers' excess shares (``_wechatpay_ps_claw_back_external``, next run)."""
        self.ensure_one()
        payment = self.source_transaction_id
        if not payment.wechatpay_profit_sharing:
            return
        if self.wechatpay_ps_external == "to_book":
            payment._wechatpay_ps_book_external_refund(self)
        if self.wechatpay_ps_from_balance and self.wechatpay_ps_external != "returning":
            self.env["city.settlement.payout"].sudo()._wechatpay_create_clawback(payment, self)

    def _wechatpay_ps_book_external_refund(self, refund):
        """A refund of this payment made on WeChat Pay's merchant platform, done and booked on
        the escrow (``_wechatpay_book_refund``): WeChat took it from what was still frozen, the
        rest from the merchant's balance (``wechatpay_ps_from_balance``), without returning
        (回退) the receivers' shares first, as the suite's own refund does. The next
        profit-sharing run returns what they were shared too much, then records the
        clawback (``_wechatpay_ps_claw_back_external``)."""
        self.ensure_one()
        self._wechatpay_ps_lock(wait=True)
        refund.invalidate_recordset(["wechatpay_ps_external", "wechatpay_ps_from_balance"])
        if refund.wechatpay_ps_external != "to_book":
            return
        state = "done"
        if self._wechatpay_ps_live_payouts():
            refund_fen = to_fen(-refund.amount)
            # counted as taken from the frozen funds until its part from the balance is set
            frozen = self._wechatpay_ps_frozen_fen() + refund_fen - to_fen(refund.wechatpay_ps_from_balance)
            from_balance = max(0, refund_fen - max(0, frozen))
            refund.wechatpay_ps_from_balance = from_balance / 100
            if from_balance:
                state = "returning"
        refund.wechatpay_ps_external = state

    def _wechatpay_ps_claw_back_external(self):
        """Refunds made on WeChat Pay's platform that took from the merchant's balance: once the
        receivers' excess shares are returned (nothing pending, nothing shared above what is
        owed), record what the merchant's balance gave (clawback), as for the suite's refunds.

        :return: the clawbacks created
        """
        self.ensure_one()
        Payout = self.env["city.settlement.payout"].sudo()
        refunds = self.child_transaction_ids.filtered(
            lambda t: t.operation == "refund" and t.state == "done" and t.wechatpay_ps_external == "returning"
        )
        if not refunds or self._wechatpay_ps_live_payouts().filtered(lambda p: p.state == "pending"):
            return Payout
        due, shared = self._wechatpay_ps_due(), self._wechatpay_ps_shared()
        if any(fen > due.get(receiver, 0) for receiver, fen in shared.items()):
            return Payout  # a return failed or was refused: the next run returns it first
        created = Payout
        for refund in refunds.sorted("id"):
            created |= Payout._wechatpay_create_clawback(self, refund)
            refund.wechatpay_ps_external = "done"
        return created

    def _post_process(self):
        """Override: a done refund of a shared payment records what the merchant gave back."""
        res = super()._post_process()
        for tx in self.filtered(
            lambda t: t.provider_code == "wechatpay" and t.operation == "refund" and t.state == "done"
        ):
            tx._wechatpay_ps_after_refund()
        return res

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

    @api.model
    def _wechatpay_ps_candidates(self, deadline, limit):
        now = fields.Datetime.now()
        domain = [
            ("provider_code", "=", "wechatpay"),
            ("wechatpay_profit_sharing", "=", True),
            ("state", "=", "done"),
            ("operation", "!=", "refund"),
        ]
        if deadline:
            cutoff = now - timedelta(days=const.PS_FREEZE_DAYS - const.PS_DEADLINE_MARGIN_DAYS)
            domain += [("wechatpay_ps_state", "=", "open"), ("last_state_change", "<=", cutoff)]
            return self.sudo().search(domain, limit=limit, order="id")
        domain.append(("last_state_change", "<=", now - timedelta(seconds=const.PS_DELAY)))
        self.env["city.settlement.allocation"].flush_model()
        self.env["city.settlement.payout"].flush_model()
        self.flush_model(["wechatpay_ps_external", "state", "source_transaction_id"])
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT tx.id FROM payment_transaction tx
                     JOIN sale_order_transaction_rel rel ON rel.transaction_id = tx.id
                     JOIN city_settlement_allocation a ON a.order_id = rel.sale_order_id
                    WHERE tx.wechatpay_profit_sharing AND a.payout_id IS NULL AND a.movement IN %s
                   UNION
                   SELECT transaction_id FROM city_settlement_payout WHERE state = 'pending'
                     AND transaction_id IS NOT NULL
                   UNION
                   SELECT source_transaction_id FROM payment_transaction
                    WHERE wechatpay_ps_external = 'returning' AND state = 'done'""",
                SHARED_MOVEMENTS,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.sudo().search([*domain, ("id", "in", ids)], limit=limit, order="id")

    @api.model
    def _cron_wechatpay_profit_sharing(self, deadline=False, batch_size=100):
        """Share the deliveries (one request per transaction and run), or with
        ``deadline`` the payments WeChat would unfreeze by itself soon. A transaction
        another run holds is skipped (the next run takes it)."""
        txs = self._wechatpay_ps_candidates(deadline, batch_size)
        for tx in txs:
            try:
                with self.env.cr.savepoint():
                    tx._wechatpay_ps_lock()
                    tx.with_company(tx.company_id)._wechatpay_ps_run(deadline=deadline)
            except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure):
                _logger.info("WeChat Pay profit sharing of %s: busy, postponed", tx.reference)
            except (UserError, WechatpayError) as exc:
                _logger.warning("WeChat Pay profit sharing of %s postponed: %s", tx.reference, exc.args[0])
        return txs
