# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # TEMP(combo): the profit-sharing branch defines it (res_partner.py); removed at the merge.
    wechatpay_sub_mchid = fields.Char(string="WeChat Pay Sub-merchant ID", copy=False)
