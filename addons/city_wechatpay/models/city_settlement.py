# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import from_fen, to_fen


class CitySettlement(models.Model):
    _inherit = "city.settlement"

    wechatpay_fee_adjustment_ids = fields.One2many(
        "city.wechatpay.fee.adjustment",
        "settlement_id",
        string="Channel Fee on WeChat Pay's Bill",
        readonly=True,
        groups="city_base.group_accountant,city_base.group_operator",
    )
    amount_wechatpay_fee = fields.Monetary(
        string="Channel Fee Adjustments",
        compute="_compute_amounts",
        store=True,
        help="Service-provider mode: what WeChat Pay's real fee (its trade bill) took from the merchant's frozen "
        "funds less, or more, than the split's fee; the merchant bears it (negative when WeChat charged more).",
    )

    @api.depends("wechatpay_fee_adjustment_ids.amount")
    def _compute_amounts(self):
        """Override of `city_settlement`: a statement of a merchant paid by profit sharing also
        carries the channel-fee adjustments to WeChat's bill booked on its payable (what WeChat
        released is the split's figure less what it charged more)."""
        res = super()._compute_amounts()
        for settlement in self:
            # sudo: the merchant's own statement figure, whoever recomputes it (adjustments are the accountants')
            fen = -sum(to_fen(a.amount) for a in settlement.sudo().wechatpay_fee_adjustment_ids)
            settlement.amount_wechatpay_fee = float(from_fen(fen))
            if fen:
                settlement.amount_movements = float(from_fen(to_fen(settlement.amount_movements) + fen))
                settlement.closing_balance = float(from_fen(to_fen(settlement.closing_balance) + fen))
        return res

    def _wechatpay_statement_fee_lines(self):
        """The statement's channel-fee adjustments as its report lists them (in the merchant's
        favour: negative when WeChat charged more than the split)."""
        self.ensure_one()
        self.check_access("read")
        # sudo: shown on a statement the user may read; the adjustment records are the accountants'
        adjustments = self.sudo().wechatpay_fee_adjustment_ids.sorted("id")
        return [
            {
                "date": a.move_id.date,
                "reference": a.reference,
                "entry": a.move_id.name,
                "amount": -a.amount,
            }
            for a in adjustments
        ]

    @api.model
    def _get_payout_channel_selection(self):
        """Override of `city_settlement`: WeChat Pay profit sharing."""
        return [*super()._get_payout_channel_selection(), ("wechatpay", _("WeChat Pay Profit Sharing"))]

    @api.model
    def _settle_merchant(self, merchant, today, company):
        """Override of `city_settlement`: a merchant paid in its sub-merchant account is paid out
        by profit sharing."""
        settlement = super()._settle_merchant(merchant, today, company)
        if settlement and merchant.wechatpay_sub_mchid:
            settlement.sudo().payout_channel = "wechatpay"
            settlement._wechatpay_take_fee_adjustments()
        return settlement

    def _wechatpay_take_fee_adjustments(self):
        """Put on this statement the merchant's channel-fee adjustments (service-provider mode)
        not yet on one, booked up to its cut-off; locked so that a line is on one statement."""
        self.ensure_one()
        Adjustment = self.env["city.wechatpay.fee.adjustment"].sudo()
        Adjustment.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT a.id FROM city_wechatpay_fee_adjustment a JOIN account_move m ON m.id = a.move_id"
                " WHERE a.settlement_id IS NULL AND a.merchant_id = %s AND a.company_id = %s AND m.date <= %s"
                " AND m.state = 'posted' FOR UPDATE OF a",
                self.merchant_id.id,
                self.company_id.id,
                self.date_to,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            Adjustment.browse(ids).write({"settlement_id": self.id})
        return Adjustment.browse(ids)

    def _city_payout_wechatpay(self):
        """Profit sharing: WeChat Pay has already released the merchant's money transaction by
        transaction (``city.settlement.payout`` of each share); the statement records what was
        released for it, and is paid once the releases cover what it owes."""
        self.ensure_one()
        due = to_fen(self.opening_balance) + to_fen(self.amount_movements)
        if due <= 0:
            self._city_payout_done(0.0, reference=_("Nothing to pay"))
            return
        Payout = self.env["city.settlement.payout"].sudo()
        domain = [("merchant_id", "=", self.merchant_id.id), ("company_id", "=", self.company_id.id)]
        shares = Payout.search([*domain, ("state", "=", "done"), ("wechatpay_kind", "in", ("share", "settle"))])
        paid = Payout.search([*domain, ("settlement_id", "!=", False), ("channel", "=", "wechatpay")])
        # WeChat's releases, corrected by the channel-fee adjustments booked after them
        released = sum(to_fen(p.wechatpay_amount_released_adjusted) for p in shares) - sum(
            to_fen(p.amount) for p in paid
        )
        if released < due:
            raise UserError(
                _(
                    "WeChat Pay has released %(released)s of the %(due)s due to %(merchant)s: the statement is paid "
                    "once the deliveries are shared.",
                    released=from_fen(max(released, 0)),
                    due=from_fen(due),
                    merchant=self.merchant_id.display_name,
                )
            )
        self._city_payout_done(float(from_fen(due)), reference=_("WeChat Pay profit sharing"))
