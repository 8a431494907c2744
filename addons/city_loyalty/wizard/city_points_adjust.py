# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools import access


class CityPointsAdjust(models.TransientModel):
    """Operator correction of a member's points (written to the ledger as an adjustment)."""

    _name = "city.points.adjust"
    _description = "Adjust Points"

    wallet_id = fields.Many2one("city.points.wallet", required=True, ondelete="cascade")
    points = fields.Integer(required=True, help="Positive to add points, negative to remove them.")
    reason = fields.Char(required=True)

    def action_confirm(self):
        access.check_groups(self.env, access.OPERATOR)
        self.ensure_one()
        if not self.points:
            raise UserError(self.env._("Enter the points to add or remove."))
        self.wallet_id._adjust(self.points, self.reason, source_ref=f"res.users,{self.env.uid}")
        return {"type": "ir.actions.act_window_close"}
