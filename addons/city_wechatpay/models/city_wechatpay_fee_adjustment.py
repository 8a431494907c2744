# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The channel fee of a WeChat Pay transaction reconciled with WeChat's bill.

The suite books the channel fee from the split rule, per delivery (and, in service-provider
mode, per share); WeChat Pay charges its fee on each payment and gives back the fee of each
refund, each rounded to the fen. Partial deliveries can therefore book a fen more or less
than WeChat took. The reconciliation compares, per transaction, the fees of all its trade-bill
lines with the fee the suite booked and will book (the split of what is still in escrow), and
books the difference on ``CITY.CHFEE``, in the transaction's company:

- service-provider mode (a payment frozen for profit sharing): WeChat takes its real fee out of
  the merchant's frozen funds and ``unfreeze_unsplit`` releases what is left, so the merchant
  bears WeChat's rounding: the difference is booked on the merchant's payable against the held
  funds (Dr merchant payable / Cr ``CITY.WXHELD`` when WeChat charged more), the final share
  counts it as taken (``_wechatpay_ps_frozen_fen``) so that it releases what WeChat released,
  and the merchant's statement shows it. Booked after the final share, the adjustment also
  corrects the release that share recorded (``amount_released``, ``payout_id``: zero on the
  balances, the released figure shown becomes WeChat's);
- direct mode: the money lands gross on the payment's outstanding account and the split credits
  ``CITY.CHFEE`` with the channel's part of each delivery (what the channel keeps from the
  receipts); the difference moves that part to WeChat's figure against the operator's fee income
  (``CITY.FEE``): the operator, who sells as principal, bears the channel's rounding.

Each booking is one adjustment: a later reconciliation books only
what changed since, so a range reconciled twice books once.
"""

from odoo import Command, _, api, fields, models
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import from_fen, to_fen
from odoo.addons.city_base.tools.localdate import local_today

from .payment_transaction_profit_sharing import FEE_KEY


class CityWechatpayFeeAdjustment(models.Model):
    _name = "city.wechatpay.fee.adjustment"
    _description = "WeChat Pay Channel Fee Adjustment"
    _order = "id desc"
    _check_company_auto = True

    transaction_id = fields.Many2one(
        "payment.transaction", required=True, readonly=True, index=True, ondelete="restrict", check_company=True
    )
    reference = fields.Char(related="transaction_id.reference", string="Order Reference")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    reconciliation_id = fields.Many2one("city.reconciliation", readonly=True, index=True, ondelete="set null")
    bill_fee = fields.Monetary(string="Fee on WeChat's Bill", readonly=True)
    suite_fee = fields.Monetary(string="Fee Booked by the Split", readonly=True)
    amount = fields.Monetary(
        string="Adjustment", readonly=True, help="Booked now: positive when WeChat Pay charged more than the split."
    )
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True, ondelete="restrict")
    merchant_id = fields.Many2one(
        "res.partner",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Service-provider mode: the merchant whose frozen funds paid WeChat's fee (it bears the difference).",
    )
    payout_id = fields.Many2one(
        "city.settlement.payout",
        string="Release Corrected",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Booked after the final share: the share whose release to the merchant it corrects.",
    )
    amount_released = fields.Monetary(
        string="Release Correction",
        readonly=True,
        help="Booked after the final share: what WeChat Pay released to the merchant more than that share "
        "recorded (the adjustment with the opposite sign).",
    )
    settlement_id = fields.Many2one(
        "city.settlement",
        string="Statement",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The merchant statement that shows it.",
    )

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _adjust(self, transactions, reconciliation=None):
        """Book, per payment transaction, what its bill fee and the suite's fee still differ by.

        :return: ``[(transaction, bill fen, suite fen, adjustment)]`` of the transactions whose
            fees differ (the adjustment record is new when something was booked now, else empty)
        """
        transactions = transactions.filtered(lambda t: t.operation != "refund")
        if not transactions:
            return []
        # One booking per transaction at a time: a second reconciliation waits, then books nothing.
        self.env.cr.execute(
            SQL(
                "SELECT id FROM payment_transaction WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                tuple(transactions.ids),
            )
        )
        bill_fees = self._bill_fees(transactions)
        booked = {
            tx.id: to_fen(amount)
            for tx, amount in self.sudo()._read_group(
                [("transaction_id", "in", transactions.ids)], ["transaction_id"], ["amount:sum"]
            )
        }
        result = []
        for tx in transactions:
            if tx.reference not in bill_fees:
                continue
            bill_fen, suite_fen = bill_fees[tx.reference], tx._wechatpay_fee_expected_fen()
            if bill_fen == suite_fen:
                continue
            delta = bill_fen - suite_fen - booked.get(tx.id, 0)
            adjustment = self.browse()
            if delta:
                adjustment = self._book(tx, bill_fen, suite_fen, delta, reconciliation)
            result.append((tx, bill_fen, suite_fen, adjustment))
        return result

    @api.model
    def _bill_fees(self, transactions):
        """Order reference -> net fee (fen) of all the trade-bill lines imported for it, any day."""
        groups = (
            self.env["city.payment.bill.line"]
            .sudo()
            ._read_group(
                [
                    ("reference", "in", transactions.mapped("reference")),
                    ("company_id", "in", transactions.company_id.ids),
                ],
                ["reference"],
                ["fee:sum"],
            )
        )
        return {reference: to_fen(fee or 0) for reference, fee in groups}

    @api.model
    def _book(self, tx, bill_fen, suite_fen, delta, reconciliation):
        company = tx.company_id
        accounts = company._city_get_accounts()
        label = _("Channel fee of %(ref)s on WeChat Pay's bill", ref=tx.reference)
        vals = {}
        if tx.wechatpay_profit_sharing:
            lines, vals = self._merchant_lines(tx, delta, label)
        else:
            clearing, partner, sign = tx._wechatpay_fee_clearing()
            fee_account = accounts["city_channel_fee_account_id"]
            lines = [(fee_account, partner, sign * delta, label), (clearing, partner, -sign * delta, label)]
        move = self._post_entry(company, label, lines, tx._wechatpay_ps_merchant())
        return self.sudo().create(
            {
                "transaction_id": tx.id,
                "company_id": company.id,
                "reconciliation_id": reconciliation.id if reconciliation else False,
                "bill_fee": float(from_fen(bill_fen)),
                "suite_fee": float(from_fen(suite_fen)),
                "amount": float(from_fen(delta)),
                "move_id": move.id,
                **vals,
            }
        )

    @api.model
    def _post_entry(self, company, ref, lines, merchant):
        """Post ``lines`` (``[(account, partner, signed fen, label)]``, debit > 0) as one entry of
        ``company``'s settlement journal, the lines marked with ``merchant``."""
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company._city_get_accounts()["city_settlement_journal_id"].id,
                    "company_id": company.id,
                    "date": local_today(),
                    "ref": ref,
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": account.id,
                                "partner_id": partner.id or False,
                                "city_merchant_id": merchant.id or False,
                                "name": name,
                                "debit": float(from_fen(max(fen, 0))),
                                "credit": float(from_fen(max(-fen, 0))),
                            }
                        )
                        for account, partner, fen, name in lines
                    ],
                }
            )
        )
        move.action_post()
        return move

    def _undo_release_correction(self):
        """The final share these adjustments corrected failed (WeChat refused it): book the
        release correction back and unlink it, so that the next final share, which counts the
        adjustments in what WeChat took (``_wechatpay_ps_frozen_fen``), releases the exact rest."""
        for adjustment in self.filtered("payout_id"):
            tx, fen = adjustment.transaction_id, to_fen(adjustment.amount_released)
            accounts = adjustment.company_id._city_get_accounts()
            merchant = adjustment.merchant_id
            label = _("Release of %(ref)s not made: correction cancelled", ref=tx.reference)
            lines = [
                (accounts["city_merchant_payable_account_id"], merchant, -fen, label),
                (accounts["city_wechatpay_held_account_id"], merchant, fen, label),
            ]
            self._post_entry(adjustment.company_id, label, lines, merchant)
            adjustment.sudo().write({"payout_id": False, "amount_released": 0.0})

    @api.model
    def _merchant_lines(self, tx, delta, label):
        """Service-provider mode: ``([(account, partner, signed fen, label)], vals)`` of a fee
        difference of ``tx``: the merchant bears it (its payable against the held funds); once
        the final share has released the rest, WeChat released ``-delta`` more than that share
        recorded: the release is corrected too (zero on the balances, shown on the merchant's side)."""
        accounts = tx.company_id._city_get_accounts()
        merchant = tx._wechatpay_ps_merchant()
        payable, held = accounts["city_merchant_payable_account_id"], accounts["city_wechatpay_held_account_id"]
        lines = [(payable, merchant, delta, label), (held, merchant, -delta, label)]
        vals = {"merchant_id": merchant.id}
        final = tx._wechatpay_ps_final_payout()
        if final:
            released = _("Release of %(ref)s corrected to WeChat Pay's", ref=tx.reference)
            lines += [(payable, merchant, -delta, released), (held, merchant, delta, released)]
            vals.update(payout_id=final.id, amount_released=float(from_fen(-delta)))
        return lines, vals


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _wechatpay_fee_expected_fen(self):
        """The channel fee (fen) the suite books for this payment: the split's fee of what was
        delivered (allocations) and of what is still in escrow (as it would be delivered now)."""
        self.ensure_one()
        fee = sum(to_fen(a.amount) for a in self._wechatpay_ps_allocations() if a.role == "channel_fee")
        return fee + self._wechatpay_ps_ahead_split(roles=("channel_fee",)).get(FEE_KEY, 0)

    def _wechatpay_fee_clearing(self):
        """``(account, partner, sign)`` a fee difference of this payment books against, and the
        sign of its debit on ``CITY.CHFEE`` when WeChat charged more: the merchant's held funds in
        service-provider mode (+1: more fee taken from them), else the operator's fee income (-1:
        the channel's part, a credit, grows). A payment frozen for profit sharing books on the
        merchant's side instead (``city.wechatpay.fee.adjustment._merchant_lines``)."""
        self.ensure_one()
        accounts = self.company_id._city_get_accounts()
        if self.wechatpay_sub_mchid:
            return accounts["city_wechatpay_held_account_id"], self._wechatpay_ps_merchant(), 1
        return accounts["city_platform_income_account_id"], self.env["res.partner"], -1
