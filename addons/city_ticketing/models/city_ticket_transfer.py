# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityTicketTransfer(models.Model):
    """One link of a ticket's chain of holders (gift by claim code)."""

    _name = "city.ticket.transfer"
    _inherit = ["city.merchant.mixin"]
    _description = "Ticket Transfer"
    _order = "id"

    ticket_id = fields.Many2one("city.ticket", required=True, ondelete="cascade", index=True, readonly=True)
    from_partner_id = fields.Many2one("res.partner", string="From", required=True, ondelete="restrict", readonly=True)
    to_partner_id = fields.Many2one("res.partner", string="To", required=True, ondelete="restrict", readonly=True)
    date = fields.Datetime(related="create_date", string="Transferred on")
