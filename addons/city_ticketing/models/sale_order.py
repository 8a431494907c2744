# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.groups import CITY_ROLES

from .city_ticket import REDEEMABLE_STATES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    city_ticket_ids = fields.One2many("city.ticket", "order_id", string="Tickets", readonly=True, groups=CITY_ROLES)
    city_ticket_count = fields.Integer(string="Ticket Count", compute="_compute_city_ticket_count", groups=CITY_ROLES)

    def _compute_city_ticket_count(self):
        counts = dict(self.env["city.ticket"]._read_group([("order_id", "in", self.ids)], ["order_id"], ["__count"]))
        for order in self:
            order.city_ticket_count = counts.get(order, 0)

    def action_confirm(self):
        # Take the presale quota (and slot places) before anything else: a sold-out
        # product refuses the whole confirmation, nothing half-written.
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            order.order_line._city_reserve_quota()
        return super().action_confirm()

    def _action_cancel(self):
        confirmed = self.filtered(lambda o: o.state == "sale")
        result = super()._action_cancel()
        for order in confirmed:
            # sudo: issued tickets decide whether the quota is given back, whoever cancels
            # (a Sales user reads no tickets).
            order_sudo = order.sudo()
            if order_sudo.city_ticket_ids:
                continue  # tickets issued: refunds go through the tickets' policy, not the quota
            order.order_line._city_release_quota()
        return result

    def _city_on_paid(self):
        """The order is paid: city_settlement has taken the money into escrow; issue the tickets."""
        result = super()._city_on_paid()
        self._city_issue_tickets()
        return result

    def _city_issue_tickets(self):
        """Issue the tickets of the paid orders and deliver them out of the ticket stock."""
        lines = self.order_line.filtered(lambda line: line.product_id.city_ticket_type)
        tickets = self.env["city.ticket"]._issue_for_order_lines(lines)
        lines._city_deliver_tickets()
        return tickets

    def _city_refund_items(self, amount_fen, source, reason, escrows=None):
        """A refund of the order made at the channel (Odoo's refund button on the
        transaction, WeChat's merchant platform) refunds its unredeemed tickets, newest
        first: each ticket's remaining value until the amount is used up. A ticket
        refunded in full becomes ``refunded``; the last one may be refunded in part and
        stays valid for the rest. What is left goes to the order's other escrow, then to
        delivered (redeemed) services (see city_settlement). With ``escrows`` (the part
        of a cross-merchant order one merchant's payment holds) only their tickets."""
        remaining, taken = super()._city_refund_items(amount_fen, source, reason, escrows=escrows)
        if remaining <= 0:
            return remaining, taken
        Ticket = self.env["city.ticket"].sudo()
        Ticket.flush_model(["state", "order_id", "escrow_id"])
        only = SQL("")
        if escrows is not None:
            only = SQL("AND escrow_id IN %s", tuple(escrows.ids) or (None,))
        # Locked (waiting: this runs in post-processing, not on a scan) so that a
        # concurrent scan or refund sees the ticket's new state.
        self.env.cr.execute(
            SQL(
                "SELECT id FROM city_ticket WHERE order_id = %s AND state IN %s %s ORDER BY id DESC FOR UPDATE",
                self.id,
                REDEEMABLE_STATES,
                only,
            )
        )
        tickets = Ticket.browse([row[0] for row in self.env.cr.fetchall()])
        tickets.invalidate_recordset()
        # what was delivered (by the tickets refunded from) is released first
        order_tickets = self.sudo().city_ticket_ids
        if escrows is not None:
            order_tickets = order_tickets.filtered(lambda t: t.escrow_id in escrows)
        order_tickets.redemption_ids._release_escrow()
        for ticket in tickets:
            part = min(remaining, ticket._residual_fen())
            if part <= 0:
                continue
            ticket._refund_part(part)
            if ticket.escrow_id:
                taken[ticket.escrow_id] = taken.get(ticket.escrow_id, 0) + part
            remaining -= part
            if remaining <= 0:
                break
        return remaining, taken

    def action_view_city_tickets(self):
        access.check_groups(self.env, *access.ANY_ROLE)
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("city_ticketing.city_ticket_action")
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {}
        return action


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    city_slot_id = fields.Many2one(
        "city.ticket.slot",
        string="Time Slot",
        ondelete="restrict",
        domain="[('product_tmpl_id', '=', product_template_id)]",
    )
    city_ticket_ids = fields.One2many(
        "city.ticket", "order_line_id", string="Tickets", readonly=True, groups=CITY_ROLES
    )

    def _get_display_price(self):
        template = self.product_id.product_tmpl_id
        if template.city_ticket_type and template.city_tier_ids:
            return template._city_get_price()
        return super()._get_display_price()

    def _city_reserve_quota(self):
        for line in self.filtered(lambda line: line.product_id.city_ticket_type):
            quantity = int(line.product_uom_qty)
            if quantity != line.product_uom_qty:
                raise UserError(_("Tickets are sold in whole units."))
            # sudo: the quota counter belongs to the product, whoever sells it.
            line.product_id.product_tmpl_id.sudo()._city_reserve_quota(quantity)
            if line.city_slot_id:
                line.city_slot_id.sudo()._book(quantity)
            elif line.product_id.city_ticket_type == "appointment" and line.product_id.city_slot_ids:
                raise UserError(_("Choose a time slot for %s.", line.product_id.display_name))

    def _city_release_quota(self):
        for line in self.filtered(lambda line: line.product_id.city_ticket_type):
            line.product_id.product_tmpl_id.sudo()._city_release_quota(int(line.product_uom_qty))
            if line.city_slot_id:
                line.city_slot_id.sudo()._book(-int(line.product_uom_qty))

    def _city_get_escrow(self, component_key):
        """The escrow of this paid line (for a combo: of the component ``component_key``)."""
        self.ensure_one()
        escrows = self.sudo().city_escrow_ids
        if component_key:
            escrows = escrows.filtered(lambda e: e.component_key == component_key)
        return escrows[:1]

    def _action_launch_stock_rule(self, previous_product_uom_qty=False):
        # Ticket lines are not procured at confirmation: an unpaid order holds its quota
        # (``city_sold_qty``), and its delivery is created and done when its tickets are
        # issued on payment (``_city_deliver_tickets``). This keeps Odoo's stock rules,
        # picking and chatter out of the order-create path of the mini-program.
        others = self.filtered(lambda line: not line.product_id.city_ticket_type)
        return super(SaleOrderLine, others)._action_launch_stock_rule(previous_product_uom_qty)

    def _city_launch_ticket_procurement(self):
        """Run Odoo's procurement (the warehouse's delivery route: a picking with its moves) for
        the part of these ticket lines not procured yet, as ``_action_launch_stock_rule`` does for
        other lines at confirmation (also when the order has been locked since)."""
        procurements = []
        for line in self:
            line = line.with_company(line.company_id)
            qty = line._get_qty_procurement()
            if float_compare(qty, line.product_uom_qty, precision_rounding=line.product_uom.rounding) >= 0:
                continue
            group = line._get_procurement_group()
            if not group:
                group = self.env["procurement.group"].create(line._prepare_procurement_group_vals())
                line.order_id.procurement_group_id = group
            values = line._prepare_procurement_values(group_id=group)
            product_qty, uom = line.product_uom._adjust_uom_quantities(
                line.product_uom_qty - qty, line.product_id.uom_id
            )
            procurements += line._create_procurements(product_qty, uom, line.order_id.name, values)
        if procurements:
            self.env["procurement.group"].run(procurements)

    def _city_deliver_tickets(self):
        """Issued tickets leave the ticket stock: the lines' delivery is created (Odoo's
        procurement) and its moves are done at once."""
        # sudo: tickets are issued by the payment flow; the stock moves are the platform's.
        lines_sudo = self.sudo()
        lines_sudo._city_launch_ticket_procurement()
        moves_sudo = lines_sudo.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        if not moves_sudo:
            return
        for move in moves_sudo:
            move.quantity = move.product_uom_qty
        moves_sudo.picked = True
        for company in moves_sudo.company_id:
            moves_sudo.filtered(lambda m, c=company: m.company_id == c).with_company(company)._action_done()
