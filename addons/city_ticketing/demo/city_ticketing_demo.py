# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data loaders of ticketing (called by ``demo/city_ticketing_demo.xml`` only)."""

from odoo import Command, api, models


class CityTicketingDemo(models.AbstractModel):
    _name = "city.ticketing.demo"
    _description = "City Ticketing: demo data"

    @api.model
    def _sell(self, sales):
        """Members buy tickets and pay through the demo payment provider, which issues
        the tickets; the first ticket is redeemed, its escrow released in the
        redemption batch and posted in the day's batch entry.

        :param sales: ``[(member xmlid, product template xmlid, quantity)]``
        """
        orders = self.env["sale.order"]
        for member_xmlid, product_xmlid, quantity in sales:
            product = self.env.ref(product_xmlid).product_variant_id
            order = orders.create(
                {
                    "partner_id": self.env.ref(member_xmlid).id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": quantity, "tax_id": [Command.clear()]}
                        )
                    ],
                }
            )
            order.action_confirm()
            orders |= order
        self.env["city.settlement.demo"]._pay_orders(orders)
        first = orders[:1].city_ticket_ids.sorted("id")[:1]
        if first:
            self.env["city.ticket"]._redeem_code(first.manual_code, merchant=first.merchant_id, device="demo")
            self.env["city.ticket.redemption"]._cron_release_escrow()
            # The operator's batch entry of the day: demo allocations are posted, as in production.
            self.env["city.settlement.allocation"]._post_batch()
        return orders
