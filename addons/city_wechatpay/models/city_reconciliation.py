# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models


class CityReconciliation(models.Model):
    _inherit = "city.reconciliation"

    def _get_fund_flow_payouts(self):
        """Override of `city_settlement`: WeChat Pay profit sharing moves money on the channel
        account per share and return; a statement paid by profit sharing, a delivery after
        release and a refund from the merchant's balance move nothing there."""
        return (
            super()
            ._get_fund_flow_payouts()
            .filtered(lambda p: p.channel != "wechatpay" or p.wechatpay_kind in ("share", "return"))
        )
