# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, models
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import to_fen


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """A done transaction that pays its order in full fires the "order paid" event."""
        res = super()._post_process()
        done = self.filtered(lambda tx: tx.state == "done" and tx.operation != "validation")
        done.sale_order_ids.sudo()._city_check_paid()
        return res

    # ------------------------------------------------------------
    # BUSINESS: refunds through the payment channel (hooks for the providers)
    # ------------------------------------------------------------

    def _city_refund_to_channel(self, amount, refund_key):
        """Send ``amount`` of this done payment back to the payer through its channel.

        The suite's refund by policy (a ticket refunded on request or on expiry) has
        already booked the escrow; this only moves the money. Providers that refund
        by themselves override it (city_wechatpay); by default nothing is sent and
        the refund stays due to the member on the refund payable account.

        :param amount: the amount to refund (currency units)
        :param str refund_key: stable key of what is refunded (e.g. ``T42``): the same
            key sends the same refund again, never a second one
        :return: the refund transaction, or an empty recordset
        """
        self.ensure_one()
        return self.browse()

    def _city_book_channel_refund(self):
        """Book a done refund transaction that the suite did not start (Odoo's refund
        button on the transaction, a refund made on the channel's platform) on the
        orders of its payment: ``sale.order._city_book_refund``.

        Locks the refund transaction's row so that concurrent post-processing books
        it once; a caller records that it was booked (see city_wechatpay).

        :return: the fen that no item, escrow or delivery of the orders could take
        """
        self.ensure_one()
        self.env.cr.execute(SQL("SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE", self.id))
        remaining = to_fen(-self.amount)
        reason = _("Refund %s through the payment channel", self.reference)
        payment = self.source_transaction_id
        for order in payment.sale_order_ids.sorted("id"):
            if remaining <= 0:
                break
            escrows = payment._city_get_refund_escrows(order)
            # The money moves in the order's company, whatever company the cron runs in.
            remaining = (
                order.sudo().with_company(order.company_id)._city_book_refund(remaining, self, reason, escrows=escrows)
            )
        return remaining

    def _city_get_refund_escrows(self, order):
        """The escrows of ``order`` whose money this payment holds: a refund through it
        is booked on those only (a hook: all of the order's by default; city_wechatpay
        narrows a cross-merchant order's payment to its merchant's part).

        :return: ``city.escrow`` records (sudo)
        """
        self.ensure_one()
        return order.sudo().city_escrow_ids
