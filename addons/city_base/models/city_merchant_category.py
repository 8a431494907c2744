# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityMerchantCategory(models.Model):
    _name = "city.merchant.category"
    _description = "Merchant Business Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable technical code used by rules and integrations.")
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    merchant_ids = fields.One2many("res.partner", "merchant_category_id", string="Merchants")
    merchant_count = fields.Integer(compute="_compute_merchant_count")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a merchant category must be unique."),
    ]

    def _compute_merchant_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("merchant_category_id", "in", self.ids), ("is_merchant", "=", True)],
                ["merchant_category_id"],
                ["__count"],
            )
        )
        for category in self:
            category.merchant_count = counts.get(category, 0)
