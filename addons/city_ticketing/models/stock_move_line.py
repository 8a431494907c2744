# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _should_exclude_for_valuation(self):
        # Ticket stock mirrors a presale quota (see product.template): it is not goods the
        # platform owns, so it is never valued. Otherwise switching a product category to
        # automated valuation would post entries for every ticket product in it.
        return super()._should_exclude_for_valuation() or bool(self.product_id.city_ticket_type)
