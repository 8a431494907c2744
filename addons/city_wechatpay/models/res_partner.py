# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import const


class ResPartner(models.Model):
    _inherit = "res.partner"

    wechatpay_sub_mchid = fields.Char(
        string="WeChat Pay Sub-merchant ID",
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="特约商户号: in service-provider mode the member's payments for this merchant land, frozen, in this "
        "sub-merchant account and are released by profit sharing on delivery.",
    )
    wechatpay_legal_name = fields.Char(
        string="WeChat Pay Registered Name",
        copy=False,
        help="商户全称 as registered with WeChat Pay: the receiver name when this merchant receives profit shares.",
    )
    wechatpay_max_share_percent = fields.Float(
        string="Profit-sharing Cap (%)",
        digits=(5, 2),
        default=const.PS_DEFAULT_CAP_PERCENT,
        copy=False,
        help="The most receivers other than this sub-merchant may take from one of its payments "
        "(最大分账比例, 30% unless the sub-merchant set another).",
    )

    wechatpay_receiver_accounts = fields.Char(
        string="Profit-sharing Receivers Added",
        copy=False,
        readonly=True,
        help="Receiver accounts already added to this sub-merchant (the operator, partners).",
    )

    _sql_constraints = [
        (
            "wechatpay_max_share_percent_range",
            "CHECK(wechatpay_max_share_percent >= 0 AND wechatpay_max_share_percent <= 100)",
            "The profit-sharing cap is a percentage between 0 and 100.",
        ),
    ]

    @api.model
    def _get_operator_fields(self):
        """Override of `city_base`: who is paid (the sub-merchant account) and its cap are the operator's."""
        return super()._get_operator_fields() | {
            "wechatpay_sub_mchid",
            "wechatpay_legal_name",
            "wechatpay_max_share_percent",
            "wechatpay_receiver_accounts",
        }

    @api.constrains("wechatpay_sub_mchid")
    def _check_wechatpay_sub_mchid(self):
        for partner in self.filtered("wechatpay_sub_mchid"):
            if not partner.wechatpay_sub_mchid.isdigit():
                raise ValidationError(_("The WeChat Pay sub-merchant ID of %s is a number.", partner.display_name))
            if not partner.is_merchant:
                raise ValidationError(_("%s is not a merchant: only merchants have a sub-merchant ID.", partner.name))

    def _wechatpay_cap_fen(self, total_fen):
        """The most (fen) receivers may take from a payment of ``total_fen`` to this sub-merchant."""
        self.ensure_one()
        return int(total_fen * round(self.wechatpay_max_share_percent * 100) // 10000)
