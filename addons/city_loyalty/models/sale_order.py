# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_base.tools.groups import CITY_ROLES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    city_points_redemption_id = fields.Many2one(
        "city.points.redemption",
        string="Points Mall Redemption",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
        groups=CITY_ROLES,
    )

    def _city_on_paid(self):
        result = super()._city_on_paid()
        self._city_earn_points()
        return result

    def _city_purchase_values(self):
        """One purchase per (order, merchant): what the member paid there, in fen."""
        purchases = []
        for order in self:
            if order.city_points_redemption_id:
                continue  # paid with points: earns nothing
            by_merchant = {}
            for line in order.order_line.filtered(lambda ln: not ln.display_type and ln.price_total > 0):
                merchant = line.product_id.merchant_id
                by_merchant[merchant] = by_merchant.get(merchant, 0) + to_fen(line.price_total)
            for merchant, amount_fen in by_merchant.items():
                purchases.append(
                    {
                        "partner": order.partner_id,
                        "merchant": merchant or None,
                        "amount_fen": amount_fen,
                        "source_ref": f"sale.order,{order.id}",
                    }
                )
        return purchases

    def _city_earn_points(self):
        """Earn the member's points for these paid orders (tiers, caps and abuse checks included)."""
        for company, orders in self.grouped("company_id").items():
            purchases = orders._city_purchase_values()
            if purchases:
                self.env["city.points.wallet"].sudo()._earn_purchases(purchases, company)

    def _city_paid_with_points(self):
        """Mark an order paid by points: city_settlement's 'order paid' trigger fires ``_city_on_paid``."""
        return self._city_mark_paid()
