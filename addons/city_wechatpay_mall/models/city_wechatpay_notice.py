# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging

from odoo import api, models
from odoo.exceptions import ValidationError

from odoo.addons.city_wechatpay.models.city_wechatpay_notice import NoticeRefused

from . import const

_logger = logging.getLogger(__name__)

MODELS = {
    const.PAYMENT_EVENT: "city.wechatpay.mall.payment",
    const.REFUND_EVENT: "city.wechatpay.mall.refund",
    const.AUTH_EVENT: "city.wechatpay.mall.authorization",
}


class CityWechatpayNotice(models.Model):
    """The district's notices arrive at the WeChat Pay webhook: verified, decrypted and
    recorded by city_wechatpay, routed here by their event type."""

    _inherit = "city.wechatpay.notice"

    @api.model
    def _check_event(self, provider_sudo, envelope, resource):
        """Override of `city_wechatpay`: district payments, refunds and authorisations are checked before
        anything is written; a refused one is answered 400 (WeChat sends it again)."""
        res = super()._check_event(provider_sudo, envelope, resource)
        model = MODELS.get(envelope.get("event_type"))
        if model:
            try:
                self.env[model].sudo()._mall_check(provider_sudo, resource)
            except ValidationError as exc:
                _logger.warning("District notice %s refused: %s", envelope.get("id"), exc.args[0])
                raise NoticeRefused(400, exc.args[0]) from exc
        return res

    def _apply_event(self, resource):
        """Override of `city_wechatpay`: record the district payment, refund or authorisation, once."""
        res = super()._apply_event(resource)
        model = MODELS.get(self.event_type)
        if model:
            self.env[model]._mall_record(self, resource)
        return res
