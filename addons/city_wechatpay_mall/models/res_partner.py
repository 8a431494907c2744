# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    city_mall_mchid = fields.Char(
        string="District Merchant ID",
        copy=False,
        index="btree_not_null",
        help="WeChat Pay merchant id (mchid / sub_mchid) of the shop's own till, as the smart business district's "
        "payment notices name it (商圈商户号).",
    )
    city_mall_store_id = fields.Char(
        string="District Store Number",
        copy=False,
        help="The shop's store number in the district (shop_number of the notices), when one merchant id has "
        "several shops.",
    )

    def init(self):
        res = super().init()
        # One merchant per district shop (merchant id and store number); partners without one are many.
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS res_partner_city_mall_shop_uniq
                       ON res_partner (city_mall_mchid, COALESCE(city_mall_store_id, ''))
                    WHERE city_mall_mchid IS NOT NULL"""
            )
        )
        return res

    @api.model
    def _get_operator_fields(self):
        """Override of `city_base`: which shop a district payment earns points at is the platform's to say."""
        return super()._get_operator_fields() | {"city_mall_mchid", "city_mall_store_id"}

    @api.constrains("city_mall_mchid", "city_mall_store_id", "is_merchant")
    def _check_city_mall_shop(self):
        for partner in self:
            if (partner.city_mall_mchid or partner.city_mall_store_id) and not partner.is_merchant:
                raise ValidationError(_("Only a merchant can be a shop of the smart business district."))
            if partner.city_mall_store_id and not partner.city_mall_mchid:
                raise ValidationError(_("A district store number needs the shop's district merchant id."))

    @api.model
    def _city_mall_find_shop(self, mchid, store_id=None):
        """The merchant of a district payment: by merchant id and store number, else by merchant id."""
        if not mchid:
            return self.browse()
        partners_sudo = self.sudo().search([("is_merchant", "=", True), ("city_mall_mchid", "=", mchid)])
        exact = partners_sudo.filtered(lambda p: store_id and p.city_mall_store_id == store_id)
        return exact[:1] or partners_sudo.filtered(lambda p: not p.city_mall_store_id)[:1]

    @api.model
    def _city_mall_find_member(self, openid):
        """The member a district payment's openid belongs to: the mini-program login's openid
        (``city_wx_openid``, when the mini-program API module is installed). Override to map
        openids otherwise."""
        if not openid or "city_wx_openid" not in self._fields:
            return self.browse()
        return self.sudo().search([("city_wx_openid", "=", openid), ("is_member", "=", True)], limit=1)
