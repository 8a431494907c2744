# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models

from odoo.addons.city_base.tools.allocation import from_fen


class CityTicket(models.Model):
    _inherit = "city.ticket"

    def _apply_redemption(self, uses, device=None):
        """A redemption appends an alliance event (one insert, evaluated by the event cron)."""
        redemption = super()._apply_redemption(uses, device=device)
        self.env["city.alliance.event"].sudo()._city_append(
            [
                {
                    "event_type": "ticket_redeemed",
                    "partner_id": self.partner_id.id,
                    "merchant_id": self.merchant_id.id,
                    "company_id": self.company_id.id,
                    "amount": float(from_fen(redemption.amount_fen)),
                    "event_date": redemption.create_date,
                    "source_model": "city.ticket.redemption",
                    "source_res_id": redemption.id,
                }
            ]
        )
        return redemption
