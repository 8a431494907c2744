# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools import access


class CityReconciliationReport(models.TransientModel):
    """Download the reconciliation sheet (XLSX) of a date range."""

    _name = "city.reconciliation.report"
    _description = "Reconciliation Sheet"

    date_from = fields.Date(required=True, default=fields.Date.context_today)
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    provider_id = fields.Many2one("payment.provider", string="Payment Provider")
    fee_rate = fields.Float(string="Contract Fee Rate (%)", digits=(8, 4))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(_("The start date must not be after the end date."))

    def action_download(self):
        access.check_groups(self.env, access.ACCOUNTANT)
        self.ensure_one()
        run = self.env["city.reconciliation"]._get_or_create(self.date_from, self.date_to, provider=self.provider_id)
        if self.fee_rate:
            run.fee_rate = self.fee_rate
        return run.action_download_xlsx()
