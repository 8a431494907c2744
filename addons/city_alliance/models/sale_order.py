# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _city_on_paid(self):
        """After the escrow (and tickets, points): append one alliance event per merchant
        of the order. Only an insert: triggers, coupons used and attribution are
        evaluated by the event cron, never in the paying transaction."""
        res = super()._city_on_paid()
        vals_list = []
        for order in self:
            by_merchant = {}
            for escrow in order.sudo().city_escrow_ids:
                by_merchant[escrow.merchant_id.id] = by_merchant.get(escrow.merchant_id.id, 0.0) + escrow.amount_paid
            for merchant_id, amount in by_merchant.items():
                vals_list.append(
                    {
                        "event_type": "order_paid",
                        "partner_id": order.partner_id.id,
                        "merchant_id": merchant_id,
                        "company_id": order.company_id.id,
                        "amount": amount,
                        "event_date": order.city_paid_date,
                        "source_model": "sale.order",
                        "source_res_id": order.id,
                    }
                )
        self.env["city.alliance.event"].sudo()._city_append(vals_list)
        return res


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _city_get_discount_targets(self, lines):
        """A merchant's coupon (its program's ``city_merchant_id``) is taken from that
        merchant's lines only."""
        targets = super()._city_get_discount_targets(lines)
        merchant = self.coupon_id.program_id.city_merchant_id or self.reward_id.program_id.city_merchant_id
        if merchant:
            targets |= lines.filtered(lambda ln: ln.product_id.product_tmpl_id.merchant_id == merchant)
        return targets
