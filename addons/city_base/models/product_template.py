# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models


class ProductTemplate(models.Model):
    """Products a merchant sells through the platform belong to that merchant.

    Platform products (service fees, generic goods) have no merchant. Merchant
    users see and change only their own merchant's products (record rules).
    """

    _inherit = "product.template"

    merchant_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        ondelete="restrict",
        domain=[("is_merchant", "=", True)],
        tracking=True,
        help="The merchant that delivers this product and is paid for it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        merchant = self.env.user.merchant_id
        for vals in vals_list:
            # Not a field default: defaults are also computed for existing rows at install time.
            if merchant and "merchant_id" not in vals:
                vals["merchant_id"] = merchant.id
            self.env["city.merchant.mixin"]._check_merchant_assignment(vals)
        return super().create(vals_list)

    def write(self, vals):
        self.env["city.merchant.mixin"]._check_merchant_assignment(vals)
        return super().write(vals)
