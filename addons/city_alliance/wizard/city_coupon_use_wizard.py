# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools import access


class CityCouponUseWizard(models.TransientModel):
    """Merchant staff use an alliance coupon at the counter: code and bill amount."""

    _name = "city.coupon.use.wizard"
    _description = "Use a Coupon at the Counter"

    code = fields.Char(string="Coupon Code", required=True)
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    bill_amount = fields.Monetary(required=True)

    def action_confirm(self):
        """Use the coupon for the user's merchant (refused to anyone but merchant staff)."""
        access.check_groups(self.env, access.MERCHANT_USER)
        if len(self) != 1:
            raise UserError(self.env._("Use one coupon at a time."))
        issue = self.env["city.coupon.issue"]._city_use_at_counter(
            self.code, self.env.user.merchant_id, self.bill_amount
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Coupon used: %(discount)s off, the member pays %(paid)s.",
                    discount=issue.discount_amount,
                    paid=issue.revenue_amount,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
