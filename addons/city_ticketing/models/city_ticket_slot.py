# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL


class CityTicketSlot(models.Model):
    """A bookable time slot of an appointment voucher, with its own capacity."""

    _name = "city.ticket.slot"
    _description = "Appointment Time Slot"
    _order = "date_begin, id"

    product_tmpl_id = fields.Many2one("product.template", required=True, ondelete="cascade", index=True)
    merchant_id = fields.Many2one(related="product_tmpl_id.merchant_id", store=True, index=True)
    date_begin = fields.Datetime(string="Start", required=True)
    date_end = fields.Datetime(string="End", required=True)
    capacity = fields.Integer(default=1, required=True)
    booked_qty = fields.Integer(string="Booked", default=0, readonly=True, copy=False)

    _sql_constraints = [
        ("capacity_not_exceeded", "CHECK(booked_qty >= 0 AND booked_qty <= capacity)", "A slot cannot be overbooked."),
    ]

    @api.depends("date_begin", "date_end")
    def _compute_display_name(self):
        for slot in self:
            begin = fields.Datetime.context_timestamp(slot, slot.date_begin) if slot.date_begin else None
            end = fields.Datetime.context_timestamp(slot, slot.date_end) if slot.date_end else None
            slot.display_name = f"{begin:%Y-%m-%d %H:%M}–{end:%H:%M}" if begin and end else ""

    @api.constrains("date_begin", "date_end")
    def _check_dates(self):
        for slot in self:
            if slot.date_end <= slot.date_begin:
                raise ValidationError(_("A slot must end after it starts."))

    def _book(self, quantity):
        """Book ``quantity`` places (conditional UPDATE, never overbooks)."""
        self.ensure_one()
        self.flush_recordset(["booked_qty", "capacity"])
        self.env.cr.execute(
            SQL(
                """UPDATE city_ticket_slot SET booked_qty = booked_qty + %(qty)s
                    WHERE id = %(id)s AND booked_qty + %(qty)s <= capacity RETURNING id""",
                qty=int(quantity),
                id=self.id,
            )
        )
        booked = self.env.cr.fetchone()
        self.invalidate_recordset(["booked_qty"])
        if not booked:
            raise UserError(_("The time slot %s is fully booked.", self.display_name))
