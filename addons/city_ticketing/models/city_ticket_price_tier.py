# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CityTicketPriceTier(models.Model):
    """Early-bird price tiers: a price while a date has not passed or while fewer than N are sold."""

    _name = "city.ticket.price.tier"
    _description = "Ticket Price Tier"
    _order = "product_tmpl_id, sequence, id"

    product_tmpl_id = fields.Many2one("product.template", required=True, ondelete="cascade", index=True)
    merchant_id = fields.Many2one(related="product_tmpl_id.merchant_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Tier", required=True, translate=True)
    kind = fields.Selection(
        [("date", "Until a Date"), ("sold", "Until a Number Sold")], string="Applies", required=True, default="date"
    )
    date_end = fields.Datetime(string="Until")
    sold_limit = fields.Integer(string="First N Sold")
    currency_id = fields.Many2one(related="product_tmpl_id.currency_id")
    price = fields.Monetary(required=True)

    @api.constrains("kind", "date_end", "sold_limit", "price")
    def _check_tier(self):
        for tier in self:
            if tier.price < 0:
                raise ValidationError(_("A tier price cannot be negative."))
            if tier.kind == "date" and not tier.date_end:
                raise ValidationError(_("A date tier needs its end date."))
            if tier.kind == "sold" and tier.sold_limit <= 0:
                raise ValidationError(_("A sold-count tier needs a positive number of units."))
