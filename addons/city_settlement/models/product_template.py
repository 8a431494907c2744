# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import Command, api, models
from odoo.exceptions import ValidationError


def _clear_default_taxes(env, vals_list):
    """No taxes in ``vals_list`` for a merchant's product created without explicit taxes
    (the company's default sale tax would be set otherwise)."""
    merchant = env.user.merchant_id
    for vals in vals_list:
        if "taxes_id" not in vals and (vals.get("merchant_id") or merchant):
            vals["taxes_id"] = [Command.clear()]


class ProductTemplate(models.Model):
    """Merchant products (vouchers, tickets, services) are sold without sale tax.

    The platform sells them on the merchant's behalf and holds the money in
    escrow: the member pays the listed price, which is split and paid out to the
    merchants as it is; the merchant invoices VAT when it delivers. The company's
    default sale tax (13% of the Chinese chart) is therefore not put on them, and
    a sale tax on a product that has a merchant is refused.
    """

    _inherit = "product.template"

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "merchant_id" in fields_list and not values.get("merchant_id") and self.env.user.merchant_id:
            values["merchant_id"] = self.env.user.merchant_id.id  # shown in the form; create() sets it anyway
        merchant_id = values.get("merchant_id") or self.env.user.merchant_id.id
        if "taxes_id" in values and merchant_id:
            values["taxes_id"] = [Command.clear()]
        return values

    @api.model_create_multi
    def create(self, vals_list):
        _clear_default_taxes(self.env, vals_list)
        return super().create(vals_list)

    def _force_default_sale_tax(self, companies):
        # Called when a product is shared with other companies or a company gets its chart:
        # merchant products stay without tax.
        return super(ProductTemplate, self.filtered(lambda t: not t.merchant_id))._force_default_sale_tax(companies)

    @api.onchange("merchant_id")
    def _onchange_merchant_id_city_taxes(self):
        if self.merchant_id:
            self.taxes_id = False

    @api.constrains("merchant_id", "taxes_id")
    def _check_city_merchant_taxes(self):
        for template in self:
            if template.merchant_id and template.taxes_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s belongs to the merchant %(merchant)s: merchant vouchers and tickets are "
                        "sold without sales tax (the platform collects the price in escrow for the merchant, "
                        "who invoices VAT when delivering). Remove the taxes.",
                        product=template.display_name,
                        merchant=template.merchant_id.display_name,
                    )
                )


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        # Defaults of the template's fields are added here, before the template is created.
        _clear_default_taxes(self.env, vals_list)
        return super().create(vals_list)
