# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WeChat Pay profit-sharing orders (分账), returns (回退) and their books, as
per-transaction ``city.settlement.payout`` records."""

import json
import logging

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import from_fen, to_fen
from odoo.addons.city_base.tools.localdate import local_today

from .. import const
from ..tools import ps_bill
from .payment_provider import WechatpayError

_logger = logging.getLogger(__name__)

KIND_SELECTION = [
    ("share", "Profit Sharing"),
    ("return", "Return (回退)"),
    ("settle", "Delivered after Release"),
    ("clawback", "Refunded from the Merchant's Balance"),
]


class CitySettlementPayout(models.Model):
    _inherit = "city.settlement.payout"

    wechatpay_kind = fields.Selection(KIND_SELECTION, string="WeChat Pay Movement", readonly=True, index=True)
    wechatpay_receivers_json = fields.Text(string="Receivers", readonly=True, help="Receiver account -> fen.")
    wechatpay_unfreeze = fields.Boolean(string="Unfreeze the Rest", readonly=True)
    wechatpay_amount_released = fields.Monetary(
        string="Released to the Merchant",
        readonly=True,
        help="What WeChat Pay released to the merchant (unfreeze_unsplit) for services delivered.",
    )
    wechatpay_amount_ahead = fields.Monetary(
        string="Released Ahead of Delivery",
        readonly=True,
        help="Released to the merchant before delivery (the 30-day deadline); negative when it is delivered "
        "or refunded later.",
    )
    wechatpay_amount_fee = fields.Monetary(
        string="Channel Fee Taken",
        readonly=True,
        help="Service-provider mode: the channel fee WeChat Pay took from the held funds before sharing "
        "(booked with this payout; negative when a refund gives it back).",
    )
    wechatpay_fee_adjustment_ids = fields.One2many(
        "city.wechatpay.fee.adjustment",
        "payout_id",
        string="Release Corrections",
        readonly=True,
        groups="city_base.group_accountant,city_base.group_operator",
    )
    wechatpay_amount_released_adjusted = fields.Monetary(
        string="Released (WeChat's Bill)",
        compute="_compute_wechatpay_amount_released_adjusted",
        help="What WeChat Pay released to the merchant, with the channel-fee adjustments to WeChat's bill "
        "booked after this share (the merchant bears WeChat's rounding).",
    )
    wechatpay_share_ref = fields.Char(string="Shared By", readonly=True, help="A return: the share it returns.")
    wechatpay_order_id = fields.Char(string="WeChat Pay Order", readonly=True)
    wechatpay_error = fields.Char(string="Error", readonly=True)
    wechatpay_move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True, ondelete="restrict")

    @api.depends("wechatpay_amount_released", "wechatpay_fee_adjustment_ids.amount_released")
    def _compute_wechatpay_amount_released_adjusted(self):
        for payout in self:
            payout.wechatpay_amount_released_adjusted = float(
                from_fen(to_fen(payout.wechatpay_amount_released) + payout._wechatpay_released_correction_fen())
            )

    def _wechatpay_receivers(self):
        self.ensure_one()
        return {k: int(v) for k, v in json.loads(self.wechatpay_receivers_json or "{}").items()}

    # ------------------------------------------------------------
    # BUSINESS: create
    # ------------------------------------------------------------

    @api.model
    def _wechatpay_base_vals(self, tx, kind, reference, receivers=None, **vals):
        return {
            "transaction_id": tx.id,
            "merchant_id": tx._wechatpay_ps_merchant().id,
            "company_id": tx.company_id.id,
            "currency_id": tx.currency_id.id,
            "channel": "wechatpay",
            "state": "pending",
            "reference": reference,
            "wechatpay_kind": kind,
            "amount": float(from_fen(sum((receivers or {}).values()))),
            "wechatpay_receivers_json": json.dumps(receivers or {}, sort_keys=True),
            **vals,
        }

    @api.model
    def _wechatpay_create_share(self, tx, owed, final):
        """One profit-sharing request of ``tx``: ``owed`` (receiver -> fen) to the receivers,
        and with ``final`` the rest unfrozen to the merchant.

        A final share with no receiver owed and nothing left frozen sends nothing (WeChat Pay's
        ``/v3/profitsharing/orders/unfreeze`` needs a positive remainder): the transaction is
        closed by a share recorded done at once, which books what the split still says
        (the channel fee) and marks the lines; it uses none of WeChat's 50 requests."""
        number = tx.wechatpay_ps_requests + 1
        allocations = tx._wechatpay_ps_allocations(unmarked=True)
        if not final:
            allocations = allocations.filtered(lambda a: a.role != "merchant")
        vals = {"wechatpay_unfreeze": final, **self._wechatpay_fee_vals(tx)}
        local = False
        if final:
            rest = tx._wechatpay_ps_frozen_fen() - sum(owed.values()) - to_fen(vals["wechatpay_amount_fee"])
            delivered = sum(to_fen(a.amount) for a in allocations if a.role == "merchant")
            if tx.wechatpay_ps_ahead:
                # The merchant bore WeChat's fee differences booked before this release (on its payable).
                delivered -= sum(to_fen(a.amount) for a in tx._wechatpay_ps_fee_adjustments() if not a.payout_id)
            else:
                delivered = rest
            vals.update(
                wechatpay_amount_released=float(from_fen(delivered)),
                wechatpay_amount_ahead=float(from_fen(rest - delivered)),
            )
            local = not owed and rest <= 0
            if rest < 0:
                _logger.warning("WeChat Pay profit sharing of %s: %s fen less frozen than booked", tx.reference, -rest)
        if not local:
            others = (
                self.env["res.partner"].sudo().search([("wechatpay_sub_mchid", "in", list(owed))]) if owed else None
            )
            tx.provider_id._wechatpay_add_receivers(tx._wechatpay_ps_merchant(), others)
        payout = self.create(self._wechatpay_base_vals(tx, "share", f"{tx.reference}-S{number:02d}", owed, **vals))
        tx.write(
            {
                **({} if local else {"wechatpay_ps_requests": number}),
                **({"wechatpay_ps_state": "closed"} if final else {}),
            }
        )
        payout._wechatpay_mark(allocations)
        if local:
            payout._wechatpay_done()
        else:
            payout._wechatpay_send()
        return payout

    @api.model
    def _wechatpay_fee_vals(self, tx):
        """The channel fee a new payout of ``tx`` books: what the split says WeChat Pay
        took, less what earlier payouts booked."""
        return {"wechatpay_amount_fee": float(from_fen(tx._wechatpay_ps_fee_due() - tx._wechatpay_ps_fee_booked()))}

    @api.model
    def _wechatpay_create_returns(self, tx, amounts):
        """Return (回退) ``amounts`` (receiver -> fen) from the receivers, out of their latest shares."""
        payouts = self.browse()
        live = tx._wechatpay_ps_live_payouts()
        returned = {}
        for ret in live.filtered(lambda p: p.wechatpay_kind == "return"):
            for receiver, fen in ret._wechatpay_receivers().items():
                returned[(ret.wechatpay_share_ref, receiver)] = (
                    returned.get((ret.wechatpay_share_ref, receiver), 0) + fen
                )
        shares = live.filtered(lambda p: p.wechatpay_kind == "share" and p.state == "done").sorted("id", reverse=True)
        count = len(live.filtered(lambda p: p.wechatpay_kind == "return"))
        for receiver, amount in sorted(amounts.items()):
            for share in shares:
                if amount <= 0:
                    break
                room = share._wechatpay_receivers().get(receiver, 0) - returned.get((share.reference, receiver), 0)
                take = min(amount, room)
                if take <= 0:
                    continue
                count += 1
                payout = self.create(
                    self._wechatpay_base_vals(
                        tx,
                        "return",
                        f"{tx.reference}-R{count:02d}",
                        {receiver: take},
                        wechatpay_share_ref=share.reference,
                    )
                )
                payout._wechatpay_send()
                payouts |= payout
                amount -= take
        return payouts

    @api.model
    def _wechatpay_settle_closed(self, tx):
        """Deliveries after WeChat Pay released the funds (the deadline): the merchant's part
        moves from 'released ahead' to its payable; nothing is sent."""
        pending = tx._wechatpay_ps_live_payouts().filtered(lambda p: p.state == "pending")
        if pending:
            pending._wechatpay_send()
            if tx.wechatpay_ps_state == "open":
                return pending  # WeChat refused the final share: the next run shares again, nothing released
        due, shared = tx._wechatpay_ps_due(), tx._wechatpay_ps_shared()
        excess = {r: shared[r] - due.get(r, 0) for r in shared if shared[r] > due.get(r, 0)}
        if excess and not pending:
            pending |= self._wechatpay_create_returns(tx, excess)  # a refund booked after it was sent
        # a refund made on WeChat's platform: what the merchant's balance gave, once the returns are done
        pending |= tx._wechatpay_ps_claw_back_external()
        allocations = tx._wechatpay_ps_allocations(unmarked=True)
        if not allocations:
            return pending
        # Reversals (refunds) are the clawback's: only deliveries and expiries earn the released money.
        merchant_fen = sum(to_fen(a.amount) for a in allocations if a.role == "merchant" and a.movement != "reversal")
        payout = self.create(
            self._wechatpay_base_vals(
                tx,
                "settle",
                f"{tx.reference}-D{allocations[-1].id}",
                wechatpay_amount_released=float(from_fen(merchant_fen)),
                wechatpay_amount_ahead=-float(from_fen(merchant_fen)),
                **self._wechatpay_fee_vals(tx),
            )
        )
        payout._wechatpay_mark(allocations)
        payout._wechatpay_done()
        return pending | payout

    @api.model
    def _wechatpay_create_clawback(self, tx, refund):
        """A refund WeChat Pay took from the merchant's balance: what the merchant gave back
        (recorded on its 'released ahead' account, else on its payable)."""
        live = tx._wechatpay_ps_live_payouts()
        refunds = tx.child_transaction_ids.filtered(lambda t: t.operation == "refund" and t.state == "done")
        owed = sum(to_fen(r.wechatpay_ps_from_balance) for r in refunds) - sum(
            to_fen(p.amount) for p in live if p.wechatpay_kind in ("return", "clawback")
        )
        # WeChat Pay gives the refunded part's channel fee back: the merchant's balance paid that much less
        fee_back = max(0, tx._wechatpay_ps_fee_booked() - tx._wechatpay_ps_fee_due())
        owed = max(0, owed - fee_back)
        reference = f"{refund.reference}-C"
        # A fee given back is booked even when the returns covered the rest (nothing owed)
        if not (owed or fee_back) or live.filtered(lambda p: p.reference == reference):
            return self.browse()
        ahead_open = sum(to_fen(p.wechatpay_amount_ahead) for p in live)
        ahead = max(0, min(owed, ahead_open))
        vals = {"wechatpay_amount_ahead": -float(from_fen(ahead)), "wechatpay_amount_fee": -float(from_fen(fee_back))}
        payout = self.create(
            {**self._wechatpay_base_vals(tx, "clawback", reference, **vals), "amount": float(from_fen(owed))}
        )
        payout._wechatpay_done()
        return payout

    def _wechatpay_mark(self, allocations):
        self.ensure_one()
        if allocations:
            self.env.cr.execute(
                SQL(
                    "UPDATE city_settlement_allocation SET payout_id = %s WHERE id IN %s",
                    self.id,
                    tuple(allocations.ids),
                )
            )
            allocations.invalidate_recordset(["payout_id"])

    # ------------------------------------------------------------
    # BUSINESS: WeChat Pay calls and answers
    # ------------------------------------------------------------

    def _wechatpay_send(self):
        """Send (or send again, same out_order_no / out_return_no) these pending requests."""
        for payout in self.filtered(lambda p: p.state == "pending"):
            try:
                data = payout._wechatpay_call(*payout._wechatpay_request())
            except WechatpayError as exc:
                if exc.wechatpay_status and exc.wechatpay_status < 500:
                    payout._wechatpay_fail(str(exc.args[0]))
                    continue
                _logger.info("WeChat Pay profit sharing %s not sent yet: %s", payout.reference, exc.args[0])
                continue
            payout._wechatpay_apply(data)

    def _wechatpay_request(self):
        """``(method, kwargs)`` of the ``wechatpayv3`` call of this payout."""
        self.ensure_one()
        tx = self.transaction_id
        sub = {"sub_mchid": tx.wechatpay_sub_mchid}
        if self.wechatpay_kind == "return":
            ((receiver, fen),) = self._wechatpay_receivers().items()
            return "profitsharing_return", {
                "out_return_no": self.reference,
                "out_order_no": self.wechatpay_share_ref,
                "return_mchid": receiver,
                "amount": fen,
                "description": _("Refund of %s", tx.reference)[:80],
                **sub,
            }
        receivers = [
            {"type": "MERCHANT_ID", "account": r, "amount": fen, "description": _("Service fee %s", tx.reference)[:80]}
            for r, fen in sorted(self._wechatpay_receivers().items())
        ]
        if not receivers:
            return "profitsharing_unfreeze", {
                "transaction_id": tx.provider_reference,
                "out_order_no": self.reference,
                "description": _("Delivered")[:80],
                **sub,
            }
        return "profitsharing_order", {
            "transaction_id": tx.provider_reference,
            "out_order_no": self.reference,
            "receivers": receivers,
            "unfreeze_unsplit": bool(self.wechatpay_unfreeze),
            **sub,
        }

    def _wechatpay_call(self, method, kwargs):
        return self.transaction_id.provider_id._wechatpay_call(method, **kwargs)

    def _wechatpay_apply(self, data):
        """Apply an answer (or a queried result) of WeChat Pay to this pending payout."""
        self.ensure_one()
        if self.state != "pending":
            return
        self.wechatpay_order_id = data.get("order_id") or data.get("return_id") or self.wechatpay_order_id
        if self.wechatpay_kind == "return":
            state = {"SUCCESS": "done", "PROCESSING": "pending"}.get(data.get("result"), "failed")
        else:
            state = const.PS_ORDER_STATE.get(data.get("state"), "failed")
            results = [r.get("result") for r in data.get("receivers") or [] if r.get("type") == "MERCHANT_ID"]
            if state == "done" and "CLOSED" in results:
                state = "failed"
            elif state == "done" and "PENDING" in results:
                state = "pending"
        if state == "done":
            self._wechatpay_done()
        elif state == "failed":
            self._wechatpay_fail(data.get("fail_reason") or data.get("state") or data.get("result") or "")

    def _wechatpay_fail(self, error):
        """Refused: the lines it would have paid are shared by the next run (a new number)."""
        self.ensure_one()
        self.write({"wechatpay_error": (error or "")[:255]})
        self._city_set_state("failed")
        self.env.cr.execute(SQL("UPDATE city_settlement_allocation SET payout_id = NULL WHERE payout_id = %s", self.id))
        self.allocation_ids.invalidate_recordset(["payout_id"])
        if self.wechatpay_unfreeze:
            self.transaction_id.wechatpay_ps_state = "open"
            # the release it would have made is not corrected any more: the next final share counts the fee
            self.sudo().wechatpay_fee_adjustment_ids._undo_release_correction()

    def _wechatpay_done(self):
        self.ensure_one()
        self._city_set_state("done")
        self.wechatpay_move_id = self._wechatpay_book()

    @api.model
    def _wechatpay_apply_notice(self, resource):
        """A profit-sharing notice: the share it names is asked for its result, and applied."""
        payout = self.search(
            [("reference", "=", resource.get("out_order_no") or ""), ("wechatpay_kind", "=", "share")], limit=1
        )
        if not payout or payout.transaction_id.provider_reference != resource.get("transaction_id"):
            raise ValidationError(_("WeChat Pay profit-sharing notice for an unknown share."))
        if payout.state == "pending":
            data = payout._wechatpay_call(
                "profitsharing_order_query",
                {
                    "transaction_id": resource["transaction_id"],
                    "out_order_no": payout.reference,
                    "sub_mchid": payout.transaction_id.wechatpay_sub_mchid,
                },
            )
            payout._wechatpay_apply(data)
        return payout

    def _wechatpay_bill_lines(self):
        """This payout as the profit-sharing bill shows it (``tools.ps_bill.PsLine``)."""
        self.ensure_one()
        kind = "return" if self.wechatpay_kind == "return" else "share"
        lines = [ps_bill.PsLine(self.reference, r, fen, kind) for r, fen in self._wechatpay_receivers().items()]
        released = to_fen(self.wechatpay_amount_released) + to_fen(self.wechatpay_amount_ahead)
        released += self._wechatpay_released_correction_fen()
        # An unfreeze with no receiver and nothing to release was never sent (see _wechatpay_create_share).
        if self.wechatpay_kind == "share" and self.wechatpay_unfreeze and (released or self._wechatpay_receivers()):
            lines.append(ps_bill.PsLine(self.reference, self.transaction_id.wechatpay_sub_mchid, released, "unfreeze"))
        return lines

    def _wechatpay_released_correction_fen(self):
        """What WeChat Pay released to the merchant more than this final share recorded (fen):
        the channel-fee adjustments to WeChat's bill booked after it (the merchant bears them)."""
        self.ensure_one()
        return sum(to_fen(a.amount_released) for a in self.sudo().wechatpay_fee_adjustment_ids)

    # ------------------------------------------------------------
    # BUSINESS: books
    # ------------------------------------------------------------

    def _wechatpay_shared_sign(self):
        """How this payout counts in what its receivers got: shares +1, returns -1 (a hook)."""
        return {"share": 1, "return": -1}.get(self.wechatpay_kind, 0)

    def _wechatpay_receiver_account(self, receiver, payable, operator_account):
        """``(account, partner)`` a receiver's share books on (a hook): another merchant's
        payable, else the operator's own account."""
        other = self.env["res.partner"].sudo().search([("wechatpay_sub_mchid", "=", receiver)], limit=1)
        if other and other != self.merchant_id:
            return payable, other
        return operator_account, self.env["res.partner"]

    def _wechatpay_move_lines(self):
        """``[(account, partner, signed fen, label)]`` of this payout's entry (debit > 0)."""
        self.ensure_one()
        tx, merchant = self.transaction_id, self.merchant_id
        accounts = self.company_id._city_get_accounts()
        held, ahead_acc = accounts["city_wechatpay_held_account_id"], accounts["city_wechatpay_ahead_account_id"]
        payable, fee_acc = accounts["city_merchant_payable_account_id"], accounts["city_channel_fee_account_id"]
        operator_account = tx.provider_id.sudo().journal_id.default_account_id
        if not operator_account:
            raise UserError(_("Set the journal of the WeChat Pay provider: its account is the operator's balance."))
        lines = []
        sign = {"share": 1, "return": -1}.get(self.wechatpay_kind, 0)
        for receiver, fen in self._wechatpay_receivers().items():
            account, partner = self._wechatpay_receiver_account(receiver, payable, operator_account)
            lines += [(account, partner, sign * fen, self.reference), (held, merchant, -sign * fen, self.reference)]
        released, ahead = to_fen(self.wechatpay_amount_released), to_fen(self.wechatpay_amount_ahead)
        fee = to_fen(self.wechatpay_amount_fee)  # WeChat Pay's, out of the held funds
        lines += [
            (fee_acc, merchant, fee, _("Channel fee taken by WeChat Pay")),
            (held, merchant, -fee, self.reference),
        ]
        if self.wechatpay_kind == "share":
            lines += [
                (payable, merchant, released, _("Released by WeChat Pay")),
                (ahead_acc, merchant, ahead, _("Released ahead of delivery")),
                (held, merchant, -(released + ahead), self.reference),
            ]
        elif self.wechatpay_kind == "settle":
            lines += [
                (payable, merchant, released, _("Delivered after release")),
                (ahead_acc, merchant, ahead, self.reference),
            ]
        elif self.wechatpay_kind == "clawback":
            owed = to_fen(self.amount)
            lines += [
                (held, merchant, owed, _("Refunded from the merchant's WeChat Pay balance")),
                (ahead_acc, merchant, ahead, self.reference),
                (payable, merchant, -(owed + ahead), self.reference),
            ]
        return [line for line in lines if line[2]]

    def _wechatpay_book(self):
        """This payout's journal entry, in its company's settlement journal (or nothing)."""
        lines = self._wechatpay_move_lines()
        if not lines:
            return self.env["account.move"]
        company = self.company_id
        journal = company._city_get_accounts()["city_settlement_journal_id"]
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "date": local_today(),
                    "ref": _(
                        "WeChat Pay %(kind)s %(ref)s",
                        kind=dict(KIND_SELECTION)[self.wechatpay_kind],
                        ref=self.reference,
                    ),
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": account.id,
                                "partner_id": partner.id or False,
                                "city_merchant_id": self.merchant_id.id,
                                "name": label,
                                "debit": float(from_fen(max(fen, 0))),
                                "credit": float(from_fen(max(-fen, 0))),
                            }
                        )
                        for account, partner, fen, label in lines
                    ],
                }
            )
        )
        move.action_post()
        return move
