# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import fields, models

from .. import const


class ProductTemplate(models.Model):
    _inherit = "product.template"

    wechatpay_outlasts_freeze = fields.Boolean(
        string="Valid Beyond the Profit-sharing Window",
        compute="_compute_wechatpay_outlasts_freeze",
        help="Sold by a sub-merchant and valid longer than WeChat Pay holds the payment frozen (30 days).",
    )

    def _compute_wechatpay_outlasts_freeze(self):
        """Ticket validity (city_ticketing's fields, when installed) longer than WeChat Pay's
        30-day freeze: the deadline cron shares the operator's part and releases the rest
        before delivery."""
        window = const.PS_FREEZE_DAYS - const.PS_DEADLINE_MARGIN_DAYS
        has_days = "city_valid_days" in self._fields
        for template in self:
            outlasts = False
            if template.merchant_id.wechatpay_sub_mchid and has_days and template.city_ticket_type:
                days = template.city_valid_days
                valid_to = template.city_valid_to
                if valid_to:
                    outlasts = valid_to > fields.Datetime.now() + timedelta(days=window)
                else:
                    outlasts = not days or days > window
            template.wechatpay_outlasts_freeze = outlasts
