# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, models
from odoo.exceptions import ValidationError

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_settlement.engine import split as engine

from .payment_transaction_profit_sharing import NOT_SHARED_ROLES

SAMPLE_FEN = 10000


class CitySplitRule(models.Model):
    _inherit = "city.split.rule"

    @api.constrains(
        "mode",
        "merchant_id",
        "product_tmpl_id",
        "merchant_percent",
        "platform_fee_percent",
        "channel_fee_percent",
        "commission_l1_percent",
        "commission_l2_percent",
        "franchise_percent",
        "fixed_amount",
        "line_ids",
    )
    def _check_wechatpay_share_cap(self):
        """A rule for a service-provider-mode merchant gives receivers no more than its cap
        (the channel fee is WeChat Pay's, taken before sharing: not in the cap)."""
        for rule in self:
            merchant = rule.merchant_id or rule.product_tmpl_id.merchant_id
            if not merchant.wechatpay_sub_mchid or rule.mode in ("combo", "points", "fixed"):
                continue
            cap = merchant._wechatpay_cap_fen(SAMPLE_FEN)
            for ctx in rule._wechatpay_sample_contexts():
                shares = engine.split(SAMPLE_FEN, rule._to_engine_rule(), ctx)
                others = sum(s.amount for s in shares if s.role not in NOT_SHARED_ROLES)
                if others > cap:
                    raise ValidationError(
                        _(
                            "Rule %(rule)s gives %(share)s%% of a payment to others than %(merchant)s, more than "
                            "its WeChat Pay profit-sharing cap of %(cap)s%%.",
                            rule=rule.display_name,
                            share=others / 100,
                            merchant=merchant.display_name,
                            cap=merchant.wechatpay_max_share_percent,
                        )
                    )

    def _wechatpay_sample_contexts(self):
        self.ensure_one()
        contexts = [engine.Context(referrers=(1, 2))]
        for line in self.line_ids:
            contexts.append(
                engine.Context(
                    order_amount=to_fen(line.threshold),
                    period_volume=to_fen(line.threshold),
                    weekday=int(line.weekday) if line.weekday else 0,
                    hour=line.hour_from,
                    referrers=(1, 2),
                )
            )
        return contexts
