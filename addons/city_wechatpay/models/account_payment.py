# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    @api.depends("payment_transaction_id")
    def _compute_outstanding_account_id(self):
        """Override of `account`: in service-provider mode a WeChat Pay payment (or refund) is
        money WeChat Pay holds in the merchant's sub-account: it books on the clearing account."""
        res = super()._compute_outstanding_account_id()
        for payment in self:
            provider_sudo = payment.payment_transaction_id.provider_id.sudo()
            if provider_sudo.code == "wechatpay" and provider_sudo.wechatpay_mode == "partner":
                accounts = provider_sudo.company_id._city_get_accounts()
                payment.outstanding_account_id = accounts["city_wechatpay_held_account_id"]
        return res
