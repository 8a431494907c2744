# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError


class ResUsers(models.Model):
    _inherit = "res.users"

    merchant_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        ondelete="restrict",
        domain=[("is_merchant", "=", True)],
        help="The one merchant this user works for. Merchant users see only this merchant's records.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "merchant_id"]

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._add_merchant_group()
        return users

    def write(self, vals):
        res = super().write(vals)
        if vals.get("merchant_id"):
            self._add_merchant_group()
        return res

    def _add_merchant_group(self):
        """Users linked to a merchant are at least Merchant Users."""
        group = self.env.ref("city_base.group_merchant_user")
        missing = self.filtered(lambda u: u.merchant_id and group not in u.groups_id)
        if missing:
            missing.write({"groups_id": [Command.link(group.id)]})

    @api.constrains("merchant_id", "groups_id")
    def _check_merchant_link(self):
        # Looked up softly: the groups are being created while this module installs.
        merchant_group = self.env.ref("city_base.group_merchant_user", raise_if_not_found=False)
        platform_groups = self.env["res.groups"]
        for xmlid in ("city_base.group_operator", "city_base.group_accountant"):
            platform_groups |= self.env.ref(xmlid, raise_if_not_found=False) or self.env["res.groups"]
        if not merchant_group:
            return
        for user in self:
            is_merchant_user = merchant_group in user.groups_id
            if is_merchant_user and not user.merchant_id:
                raise ValidationError(_("Merchant user %s must be linked to a merchant.", user.name))
            if user.merchant_id and not user.merchant_id.is_merchant:
                raise ValidationError(_("%(partner)s is not a merchant.", partner=user.merchant_id.display_name))
            if is_merchant_user and platform_groups & user.groups_id:
                raise ValidationError(
                    _(
                        "%s cannot be both a merchant user and a platform operator or accountant.",
                        user.name,
                    )
                )
