# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, models


class CityPointsBooking(models.Model):
    _inherit = "city.points.booking"

    @api.model
    def _city_clearing_rate_fen(self, company, merchant=None):
        """An approved member of a running alliance that accepts points is reimbursed at
        its alliance clearing rate (when set), overriding the company default."""
        terms = [("points_accepted", "=", True), ("points_clearing_fen", ">", 0)]
        member = self.env["city.alliance.member"]._city_terms_of(merchant, company, domain=terms) if merchant else None
        if member:
            return member.points_clearing_fen
        return super()._city_clearing_rate_fen(company, merchant)
