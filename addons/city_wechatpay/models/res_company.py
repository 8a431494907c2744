# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _lt, fields, models

# Service-provider mode: the accounts that mirror the funds WeChat Pay holds for the merchants.
WECHATPAY_ACCOUNTS = {
    "city_wechatpay_held_account_id": (
        "CITY.WXHELD",
        _lt("Funds held by WeChat Pay in merchants' sub-accounts"),
        "asset_current",
        False,
    ),
    "city_wechatpay_ahead_account_id": (
        "CITY.WXAHEAD",
        _lt("Released to merchants by WeChat Pay ahead of delivery"),
        "asset_receivable",
        True,
    ),
}


class ResCompany(models.Model):
    _inherit = "res.company"

    city_wechatpay_held_account_id = fields.Many2one(
        "account.account", string="WeChat Pay Clearing Account", ondelete="restrict"
    )
    city_wechatpay_ahead_account_id = fields.Many2one(
        "account.account", string="Released Ahead of Delivery Account", ondelete="restrict"
    )

    def _city_get_account_specs(self):
        """Override of `city_settlement`: the service-provider accounts."""
        return {**super()._city_get_account_specs(), **WECHATPAY_ACCOUNTS}
