# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models

from odoo.addons.city_base.tools.groups import CITY_ROLES


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        """An invoice payment that pays a sale order in full fires the "order paid" event."""
        res = super()._invoice_paid_hook()
        orders = self.filtered(lambda m: m.is_invoice()).invoice_line_ids.sale_line_ids.order_id
        orders.sudo()._city_check_paid()
        return res


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    city_merchant_id = fields.Many2one("res.partner", index="btree_not_null", ondelete="restrict", readonly=True)
    city_allocation_ids = fields.One2many(
        "city.settlement.allocation", "move_line_id", string="Settlement Allocations", groups=CITY_ROLES
    )
