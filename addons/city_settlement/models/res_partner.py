# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .city_split_rule import CYCLE_SELECTION


class ResPartner(models.Model):
    _inherit = "res.partner"

    city_referrer_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        ondelete="set null",
        help="The member who referred this member; two-level distribution commissions follow this link.",
    )
    city_settlement_cycle = fields.Selection(
        CYCLE_SELECTION, string="Settlement Cycle", default="t1", help="How often the merchant is settled and paid."
    )

    @api.constrains("city_referrer_id")
    def _check_city_referrer(self):
        for partner in self:
            seen, current = set(), partner
            while current:
                if current.id in seen:
                    raise ValidationError(_("The referral chain of %s loops.", partner.display_name))
                seen.add(current.id)
                current = current.city_referrer_id
