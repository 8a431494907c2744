# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools import access

from ..models.city_wechatpay_bill_download import BILL_TYPES


class CityWechatpayBillDownloadWizard(models.TransientModel):
    """Download a provider's WeChat Pay bills of a chosen date now."""

    _name = "city.wechatpay.bill.download.wizard"
    _description = "Download WeChat Pay Bills of a Date"

    provider_id = fields.Many2one(
        "payment.provider",
        required=True,
        domain="[('code', '=', 'wechatpay'), ('state', 'in', ('enabled', 'test'))]",
        default=lambda self: self._default_provider(),
    )
    bill_date = fields.Date(required=True, default=lambda self: fields.Date.context_today(self) - timedelta(days=1))
    bill_type = fields.Selection([("all", "Both Bills"), *BILL_TYPES], required=True, default="all")

    @api.model
    def _default_provider(self):
        return self.env["payment.provider"].search(
            [
                ("code", "=", "wechatpay"),
                ("state", "in", ("enabled", "test")),
                ("company_id", "=", self.env.company.id),
            ],
            limit=1,
        )

    def action_download(self):
        """Download the bills of the date (those already imported are not fetched again)."""
        access.check_groups(self.env, access.OPERATOR, "base.group_system")
        self.ensure_one()
        self.provider_id.check_access("read")
        if self.provider_id.code != "wechatpay" or self.provider_id.state not in ("enabled", "test"):
            raise UserError(_("Choose an enabled WeChat Pay provider."))
        Download = self.env["city.wechatpay.bill.download"]
        due = Download._get_due_dates()
        if self.bill_date not in due:
            raise UserError(
                _(
                    "WeChat Pay gives the bills from %(earliest)s to %(latest)s (a day's bills are ready after "
                    "10:00 Beijing time the next day).",
                    earliest=due[-1],
                    latest=due[0],
                )
            )
        # Downloads are the module's records (credentials, the company's bills): after the checks above.
        download_model_sudo = Download.sudo()
        kinds = [
            (bill_type, sub_mchid)
            for bill_type, sub_mchid in download_model_sudo._get_bill_kinds(self.provider_id)
            if self.bill_type in ("all", bill_type)
        ]
        if not kinds:
            raise UserError(_("This provider has no such bill (sub-merchant bills are for service providers)."))
        downloads = download_model_sudo._ensure(
            [(self.provider_id, self.bill_date, bill_type, sub_mchid) for bill_type, sub_mchid in kinds]
        )
        downloads._download()
        return {
            "type": "ir.actions.act_window",
            "name": _("WeChat Pay Bills"),
            "res_model": "city.wechatpay.bill.download",
            "view_mode": "list,form",
            "domain": [("id", "in", downloads.ids)],
        }
