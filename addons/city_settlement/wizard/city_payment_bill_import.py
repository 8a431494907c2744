# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import base64

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools import access


class CityPaymentBillImport(models.TransientModel):
    """Upload a channel bill (WeChat Pay trade bill or a CSV with a saved mapping)."""

    _name = "city.payment.bill.import"
    _description = "Import Payment Channel Bill"

    file = fields.Binary(string="Bill File", required=True)
    file_name = fields.Char()
    bill_format = fields.Selection(
        [("wechat", "WeChat Pay trade bill"), ("csv", "Generic CSV")], string="Format", required=True, default="wechat"
    )
    bill_kind = fields.Selection(
        [("trade", "Trade Bill"), ("fund_flow", "Fund-Flow Bill")], string="Kind", required=True, default="trade"
    )
    mapping_id = fields.Many2one("city.payment.bill.mapping", string="CSV Mapping")
    provider_id = fields.Many2one(
        "payment.provider",
        string="Payment Provider",
        domain="[('company_id', '=', company_id)]",
        help="Compare only with this provider's transactions.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True)
    reconcile = fields.Boolean(string="Reconcile Now", default=True)

    def action_import(self):
        access.check_groups(self.env, access.ACCOUNTANT)
        self.ensure_one()
        if self.bill_format == "csv" and not self.mapping_id:
            raise UserError(_("Choose the CSV mapping of this bill."))
        data = base64.b64decode(self.file or b"")
        bill = self.env["city.payment.bill"]._import_file(
            data,
            file_name=self.file_name,
            bill_format=self.bill_format,
            mapping=self.mapping_id,
            provider=self.provider_id,
            bill_kind=self.bill_kind,
        )
        if self.reconcile:
            return bill.action_reconcile()
        return {
            "type": "ir.actions.act_window",
            "res_model": "city.payment.bill",
            "res_id": bill.id,
            "view_mode": "form",
            "target": "current",
        }
