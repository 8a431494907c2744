# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        """An outgoing delivery of a merchant's order validated (the rider has delivered)
        appends an alliance event per merchant of the delivered moves."""
        res = super()._action_done()
        vals_list = []
        now = fields.Datetime.now()
        for picking in self.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing" and p.sale_id):
            by_merchant = {}
            for move in picking.move_ids.filtered(lambda m: m.state == "done" and m.sale_line_id):
                line = move.sale_line_id
                merchant = line.product_id.product_tmpl_id.merchant_id
                if merchant and line.product_uom_qty:
                    share = line.price_total * move.quantity / line.product_uom_qty
                    by_merchant[merchant.id] = by_merchant.get(merchant.id, 0.0) + share
            for merchant_id, amount in by_merchant.items():
                vals_list.append(
                    {
                        "event_type": "delivery_done",
                        "partner_id": picking.sale_id.partner_id.id,
                        "merchant_id": merchant_id,
                        "company_id": picking.company_id.id,
                        "amount": round(amount, 2),
                        "event_date": now,
                        "source_model": "stock.picking",
                        "source_res_id": picking.id,
                    }
                )
        self.env["city.alliance.event"].sudo()._city_append(vals_list)
        return res
