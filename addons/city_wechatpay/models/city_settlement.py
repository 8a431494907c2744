# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools.allocation import from_fen, to_fen


class CitySettlement(models.Model):
    _inherit = "city.settlement"

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
        return settlement

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
        released = sum(to_fen(p.wechatpay_amount_released) for p in shares) - sum(to_fen(p.amount) for p in paid)
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
