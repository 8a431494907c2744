# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models

from .city_mp_message import thing
from .product_template import money


class CityTicket(models.Model):
    _inherit = "city.ticket"

    @api.model
    def _issue_for_order_lines(self, lines):
        """Issue the tickets, then queue a "ticket issued" subscribe message per order."""
        before = lines.city_ticket_ids
        res = super()._issue_for_order_lines(lines)
        issued = lines.city_ticket_ids - before
        for order in issued.order_id:
            tickets = issued.filtered(lambda t, o=order: t.order_id == o)
            data = {
                "thing1": {"value": thing(tickets[:1].product_id.name)},
                "number2": {"value": str(len(tickets))},
                "time3": {"value": fields.Datetime.to_string(fields.Datetime.now())[:16]},
            }
            self.env["city.mp.message"]._queue(order.partner_id, "ticket_issued", data, f"ticket_issued:{order.id}")
        return res

    def _refund(self, reason):
        """Refund the tickets, then queue a "refund done" subscribe message per order."""
        res = super()._refund(reason)
        for order in self.order_id:
            tickets = self.filtered(lambda t, o=order: t.order_id == o)
            data = {
                "thing1": {"value": thing(tickets[:1].product_id.name)},
                "amount2": {"value": money(sum(tickets.mapped("paid_fen")))["display"]},
                "time3": {"value": fields.Datetime.to_string(fields.Datetime.now())[:16]},
            }
            key = f"refund_done:{order.id}:{min(tickets.ids)}"
            self.env["city.mp.message"]._queue(order.partner_id, "refund_done", data, key)
        return res
