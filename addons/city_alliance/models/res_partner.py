# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _city_points_api_sign_in(self):
        """A successful daily sign-in appends an alliance event (evaluated by the event cron)."""
        result = super()._city_points_api_sign_in()
        if result.get("ok"):
            self.env["city.alliance.event"].sudo()._city_append(
                [
                    {
                        "event_type": "sign_in",
                        "partner_id": self.id,
                        "company_id": self.env.company.id,
                        "event_date": fields.Datetime.now(),
                        "source_model": "res.partner",
                        "source_res_id": self.id,
                    }
                ]
            )
        return result
