# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError


class CityMerchantMixin(models.AbstractModel):
    """Records that belong to one merchant.

    Every model of the suite that a merchant owns (tickets, allocations,
    statements, points issued, …) inherits this mixin and gets the same two
    record rules, named ``<model>_rule_merchant_user`` and
    ``<model>_rule_operator``::

        merchant users:          [('merchant_id', '=', user.merchant_id.id)]
        operators, accountants:  [(1, '=', 1)]

    Merchant users are never operators or accountants (see ``res.users``), so
    the union of group rules never widens a merchant user's view.
    """

    _name = "city.merchant.mixin"
    _description = "Merchant-owned record"

    merchant_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        ondelete="restrict",
        domain=[("is_merchant", "=", True)],
        default=lambda self: self.env.user.merchant_id,
    )

    @api.constrains("merchant_id")
    def _check_merchant_id(self):
        for record in self:
            if record.merchant_id and not record.merchant_id.is_merchant:
                raise ValidationError(_("%(partner)s is not a merchant.", partner=record.merchant_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_merchant_assignment(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_merchant_assignment(vals)
        return super().write(vals)

    @api.model
    def _check_merchant_assignment(self, vals, field="merchant_id"):
        """Merchant users may only give records to their own merchant.

        Record rules check a record before it is written, not the merchant it is
        written to; this closes that gap for every merchant-owned model.
        """
        if field not in vals or self.env.su:
            return
        user = self.env.user
        if user.merchant_id and vals[field] != user.merchant_id.id:
            raise AccessError(_("You can only assign records to your own merchant, %s.", user.merchant_id.display_name))

    @api.model
    def _get_merchant_scope_domain(self, user=None):
        """The domain of records ``user`` (default: current user) may see by merchant."""
        user = user or self.env.user
        if user.merchant_id:
            return [("merchant_id", "=", user.merchant_id.id)]
        return []
