# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models

from .city_ticket import REDEEMABLE_STATES


class CityEscrow(models.Model):
    _inherit = "city.escrow"

    def _city_get_committed_fen(self):
        """The unredeemed tickets' remaining value: still owed to their holders."""
        committed = super()._city_get_committed_fen()
        tickets = (
            self.env["city.ticket"].sudo().search([("escrow_id", "=", self.id), ("state", "in", REDEEMABLE_STATES)])
        )
        return committed + sum(t.paid_fen - t.released_fen - t.settled_fen for t in tickets)
