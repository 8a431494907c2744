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
        "active",
        "mode",
        "merchant_id",
        "product_tmpl_id",
        "categ_id",
        "company_id",
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
        """A rule that applies to service-provider-mode merchants gives receivers no more than
        their cap, at every level: merchant, product, category and company default (the channel
        fee is WeChat Pay's, taken before sharing: not in the cap)."""
        for rule in self:
            merchants = rule.active and rule._wechatpay_cap_merchants()
            if not merchants or rule.mode in ("combo", "points", "fixed"):
                continue
            others = max(
                sum(
                    s.amount
                    for s in engine.split(SAMPLE_FEN, rule._to_engine_rule(), ctx)
                    if s.role not in NOT_SHARED_ROLES
                )
                for ctx in rule._wechatpay_sample_contexts()
            )
            over = merchants.filtered(lambda m, others=others: others > m._wechatpay_cap_fen(SAMPLE_FEN))
            if len(over) == 1 and (rule.merchant_id or rule.product_tmpl_id):
                raise ValidationError(
                    _(
                        "Rule %(rule)s gives %(share)s%% of a payment to others than %(merchant)s, more than "
                        "its WeChat Pay profit-sharing cap of %(cap)s%%.",
                        rule=rule.display_name,
                        share=others / 100,
                        merchant=over.display_name,
                        cap=over.wechatpay_max_share_percent,
                    )
                )
            if over:
                raise ValidationError(
                    _(
                        "Rule %(rule)s applies to service-provider-mode merchants and gives %(share)s%% of a "
                        "payment to others than the merchant, more than the WeChat Pay profit-sharing cap of: "
                        "%(merchants)s.",
                        rule=rule.display_name,
                        share=others / 100,
                        merchants=", ".join(
                            f"{m.display_name} ({m.wechatpay_max_share_percent:g}%)" for m in over.sorted("name")
                        ),
                    )
                )

    def _wechatpay_cap_merchants(self):
        """The service-provider-mode merchants (with a sub-merchant id) this rule may apply to:
        its merchant, its product's, the merchants selling in its category (or a sub-category),
        or, for a company default, every such merchant of the company."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()  # the constraint runs for any writer: it reads caps only
        if self.merchant_id or self.product_tmpl_id:
            merchants = self.merchant_id or self.product_tmpl_id.merchant_id
            return merchants.filtered("wechatpay_sub_mchid")
        domain = [
            ("is_merchant", "=", True),
            ("wechatpay_sub_mchid", "!=", False),
            ("company_id", "in", (False, self.company_id.id)),
        ]
        if self.categ_id:
            products = (
                self.env["product.template"]
                .sudo()
                .with_context(active_test=False)
                .search([("categ_id", "child_of", self.categ_id.id), ("merchant_id", "!=", False)])
            )
            domain.append(("id", "in", products.merchant_id.ids))
        return Partner.search(domain)

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
