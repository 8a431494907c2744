# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """A done transaction that pays its order in full fires the "order paid" event."""
        res = super()._post_process()
        done = self.filtered(lambda tx: tx.state == "done" and tx.operation != "validation")
        done.sale_order_ids.sudo()._city_check_paid()
        return res
