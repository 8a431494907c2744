# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CityTicketComponent(models.Model):
    """One merchant's part of a multi-merchant combo, with its split weight."""

    _name = "city.ticket.component"
    _description = "Combo Component"
    _order = "product_tmpl_id, sequence, id"

    product_tmpl_id = fields.Many2one("product.template", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    merchant_id = fields.Many2one(
        "res.partner", required=True, ondelete="restrict", domain=[("is_merchant", "=", True)], index=True
    )
    weight = fields.Float(required=True, default=1.0, help="Share of the combo's price that goes to this part.")
    uses = fields.Integer(default=1, required=True)
    component_key = fields.Char(
        string="Key", required=True, copy=False, default=lambda self: self._default_component_key()
    )

    _sql_constraints = [
        ("key_unique", "UNIQUE(product_tmpl_id, component_key)", "Component keys are unique within a combo."),
        ("weight_positive", "CHECK(weight > 0)", "A component's weight must be positive."),
        ("uses_positive", "CHECK(uses >= 1)", "A component has at least one use."),
    ]

    @api.model
    def _default_component_key(self):
        return self.env["ir.sequence"].sudo().next_by_code("city.ticket.component") or "c"

    @api.constrains("merchant_id")
    def _check_merchant(self):
        for component in self:
            if not component.merchant_id.is_merchant:
                raise ValidationError(_("%s is not a merchant.", component.merchant_id.display_name))
