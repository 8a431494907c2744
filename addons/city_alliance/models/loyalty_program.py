# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    city_merchant_id = fields.Many2one(
        "res.partner",
        string="Coupon Merchant",
        index="btree_not_null",
        ondelete="restrict",
        domain=[("is_merchant", "=", True)],
        help="The merchant where the coupons of this program are used: their discount is taken from "
        "that merchant's lines of an order.",
    )
