# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, fields, models
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import allocate, from_fen, to_fen
from odoo.addons.city_base.tools.groups import CITY_ROLES
from odoo.addons.city_base.tools.localdate import local_today


class SaleOrder(models.Model):
    _inherit = "sale.order"

    city_paid_date = fields.Datetime(string="Paid On", readonly=True, copy=False, index="btree_not_null")
    city_escrow_ids = fields.One2many("city.escrow", "order_id", string="Escrow", groups=CITY_ROLES)
    city_escrow_move_id = fields.Many2one(
        "account.move", string="Escrow Entry", readonly=True, copy=False, ondelete="restrict"
    )

    def _send_order_notification_mail(self, mail_template):
        """Odoo's order e-mails (payment succeeded, confirmation) attach the order's PDF:
        a member of the mini-program has no e-mail address (WeChat subscribe messages
        reach them), so nothing is rendered for nobody. The others are sent by Odoo's
        own ``sale_async_emails`` cron, which the suite turns on: never in the payment
        notice's post-processing."""
        if not self.partner_id.email:
            return None
        return super()._send_order_notification_mail(mail_template)

    # ------------------------------------------------------------
    # BUSINESS: the "order paid" event
    # ------------------------------------------------------------

    def _city_mark_paid(self):
        """Fire ``_city_on_paid`` once for the orders of ``self`` not yet marked paid.

        Locks the order rows first; a repeated or concurrent notice finds
        ``city_paid_date`` set and does nothing.

        :return: the orders that became paid now
        """
        if not self:
            return self
        self.flush_recordset(["city_paid_date"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM sale_order WHERE id IN %s AND city_paid_date IS NULL ORDER BY id FOR UPDATE",
                tuple(self.ids),
            )
        )
        todo = self.browse([row[0] for row in self.env.cr.fetchall()])
        self.invalidate_recordset(["city_paid_date"])
        todo = todo.filtered(lambda o: not o.city_paid_date)
        if todo:
            todo.sudo().write({"city_paid_date": fields.Datetime.now()})
            todo._city_on_paid()
        return todo

    def _city_on_paid(self):
        """The order is fully paid (called exactly once per order).

        city_settlement takes the paid amounts into escrow. Other modules override
        it, call ``super()`` first, then act (issue tickets, earn points).
        """
        for order in self:
            # The money moves in the order's company, whatever company the notice runs in.
            order.sudo().with_company(order.company_id)._city_take_into_escrow()

    def _city_is_fully_paid(self):
        """Paid by its transactions, or by payments on its posted invoices."""
        self.ensure_one()
        if self.state != "sale":
            return False
        if self._is_paid():
            return True
        invoices = self.invoice_ids.filtered(lambda m: m.state == "posted" and m.move_type == "out_invoice")
        if not invoices:
            return False
        paid = invoices.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
        refunds = self.invoice_ids.filtered(lambda m: m.state == "posted" and m.move_type == "out_refund")
        paid_total = sum(paid.mapped("amount_total")) - sum(refunds.mapped("amount_total"))
        return self.currency_id.compare_amounts(paid_total, self.amount_total) >= 0

    def _city_check_paid(self):
        """Mark the orders of ``self`` that are now fully paid."""
        return self.filtered(lambda o: not o.city_paid_date and o._city_is_fully_paid())._city_mark_paid()

    # ------------------------------------------------------------
    # BUSINESS: refunds
    # ------------------------------------------------------------

    def _city_get_channel_transactions(self):
        """The done payments of the order that money can be refunded through."""
        self.ensure_one()
        return self.sudo().transaction_ids.filtered(
            lambda tx: tx.state == "done" and tx.operation not in ("refund", "validation")
        )

    def _city_refund_to_channel(self, amount, refund_key):
        """Send ``amount`` back to the member through the channel that paid the order
        (the escrow is booked by the caller). See ``payment.transaction._city_refund_to_channel``.

        :return: the refund transaction, or an empty recordset (no channel refunds by itself)
        """
        self.ensure_one()
        for tx in self._city_get_channel_transactions().sorted("id"):
            refund = tx._city_refund_to_channel(amount, refund_key)
            if refund:
                return refund
        return self.env["payment.transaction"]

    def _city_refund_items(self, amount_fen, source, reason, escrows=None):
        """Hook: take a refund of the order made at the channel off the order's items
        (city_ticketing: its unredeemed tickets). Returns what each escrow gives back
        for them; the caller books it.

        :param int amount_fen: the refunded amount
        :param escrows: only the items of these escrows of the order (the part a
            payment holds, see ``payment.transaction._city_get_refund_escrows``); all by default
        :return: ``(remaining_fen, {escrow: fen})``
        """
        self.ensure_one()
        return amount_fen, {}

    def _city_book_refund(self, amount_fen, source, reason, escrows=None):
        """Book a refund made at the payment channel on this order, exact to the fen,
        on ``escrows`` only when given (the part of the order the refunded payment holds):

        1. its items first (``_city_refund_items``: the unredeemed tickets, newest first);
        2. then escrow held for nothing else (``city.escrow._city_get_committed_fen``),
           through ``city.escrow._refund``;
        3. then what was already delivered, through ``city.escrow._refund_delivered``
           (the release's split is reversed).

        One movement per escrow and step, idempotent per ``source``.

        :return: the fen left (more than the order holds or delivered)
        """
        self.ensure_one()
        all_escrows = self.sudo().city_escrow_ids
        escrows = (all_escrows if escrows is None else all_escrows & escrows).sorted("id")
        escrows._lock()
        remaining, taken = self._city_refund_items(amount_fen, source, reason, escrows=escrows)
        refunds = {escrow: fen for escrow, fen in taken.items() if fen > 0}
        for escrow in escrows:
            free = to_fen(escrow.amount_residual) - refunds.get(escrow, 0) - escrow._city_get_committed_fen()
            part = min(remaining, free)
            if part > 0:
                refunds[escrow] = refunds.get(escrow, 0) + part
                remaining -= part
        for escrow, fen in refunds.items():
            escrow._refund(from_fen(fen), source, reason)
        for escrow in escrows:
            delivered = to_fen(escrow.amount_released) - to_fen(escrow.amount_reversed)
            part = min(remaining, delivered)
            if part > 0:
                escrow._refund_delivered(from_fen(part), source, reason)
                remaining -= part
        return remaining

    # ------------------------------------------------------------
    # BUSINESS: escrow
    # ------------------------------------------------------------

    def _city_take_into_escrow(self):
        """Create the escrow records of the paid order and post its escrow entry."""
        self.ensure_one()
        vals_list = []
        amounts = self._city_escrow_line_amounts()
        for line in self.order_line:
            vals_list.extend(line._city_prepare_escrow_vals(amount_fen=amounts.get(line.id)))
        if not vals_list:
            return self.env["city.escrow"]
        escrows = self.env["city.escrow"].sudo().create(vals_list)
        move = self._city_post_escrow_entry(escrows)
        escrows.write({"intake_move_id": move.id})
        self.city_escrow_move_id = move
        return escrows

    def _city_escrow_line_amounts(self):
        """What each line of the order brings into escrow, in fen: ``{line id: fen}``.

        The member paid the order's total, discounts included: a line of negative
        amount (a coupon or promotion reward of ``sale_loyalty``, a manual discount)
        is money nobody paid, so it is taken off the positive lines it applies to
        (``line._city_get_discount_targets``, by default every positive line), in
        proportion to their amounts with ``allocate()`` (cent-exact, largest
        remainder). The escrowed lines then add up to exactly what was paid for
        them (a 满100减30 order escrows ¥70.00). Negative lines get 0.
        """
        self.ensure_one()
        lines = self.order_line.filtered(lambda ln: not ln.display_type and not ln.is_downpayment and ln.product_id)
        amounts = {line.id: to_fen(line.price_total) for line in lines}
        positive = lines.filtered(lambda ln: amounts[ln.id] > 0)
        for discount_line in lines.filtered(lambda ln: amounts[ln.id] < 0).sorted("id"):
            targets = (discount_line._city_get_discount_targets(positive) & positive) or positive
            targets = targets.filtered(lambda ln: amounts[ln.id] > 0)
            cut = min(-amounts[discount_line.id], sum(amounts[t.id] for t in targets))
            if cut > 0:
                for target, part in zip(targets, allocate(cut, [amounts[t.id] for t in targets]), strict=True):
                    amounts[target.id] -= part
            amounts[discount_line.id] = 0
        return amounts

    def _city_escrow_counterparts(self, total_fen):
        """Where the escrowed money comes from: ``[(account, partner, fen)]``.

        An order paid through invoices moved the money to income: the escrow takes
        it back from the invoices' income accounts. Otherwise the payment credited
        the member's receivable: the escrow entry debits it (and reconciles).
        """
        invoice_lines = self.order_line.invoice_lines.filtered(
            lambda ln: ln.move_id.state == "posted" and ln.move_id.move_type == "out_invoice"
        )
        if invoice_lines:
            by_account = {}
            for line in self.order_line.filtered(lambda ln: ln.city_escrow_ids):
                account = line.invoice_lines.filtered(lambda il: il.move_id.state == "posted")[:1].account_id
                if not account:
                    template = line.product_id.product_tmpl_id.with_company(self.company_id)
                    account = template._get_product_accounts()["income"]
                by_account[account] = by_account.get(account, 0) + sum(
                    to_fen(e.amount_paid) for e in line.city_escrow_ids
                )
            return [(account, self.partner_id.commercial_partner_id, fen) for account, fen in by_account.items()]
        partner = self.partner_invoice_id.commercial_partner_id
        return [(partner.with_company(self.company_id).property_account_receivable_id, partner, total_fen)]

    def _city_post_escrow_entry(self, escrows):
        """One journal entry per paid order: the paid amount into escrow (liability),
        in the order's company whatever company the payment notice runs in."""
        self.ensure_one()
        accounts = self.company_id._city_get_accounts()
        total_fen = sum(to_fen(e.amount_paid) for e in escrows)
        lines = []
        for account, partner, fen in self._city_escrow_counterparts(total_fen):
            lines.append(
                {
                    "account_id": account.id,
                    "partner_id": partner.id,
                    "name": _("%s: paid into escrow", self.name),
                    "debit": float(from_fen(fen)),
                    "credit": 0.0,
                }
            )
        for escrow in escrows:
            lines.append(
                {
                    "account_id": accounts["city_escrow_account_id"].id,
                    "partner_id": escrow.merchant_id.id,
                    "city_merchant_id": escrow.merchant_id.id,
                    "name": _("%(order)s: escrow of %(item)s", order=self.name, item=escrow.display_name),
                    "debit": 0.0,
                    "credit": escrow.amount_paid,
                }
            )
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": accounts["city_settlement_journal_id"].id,
                "date": local_today(),
                "ref": _("Escrow of %s", self.name),
                "company_id": self.company_id.id,
                "line_ids": [fields.Command.create(v) for v in lines],
            }
        )
        move._post(soft=False)
        self._city_reconcile_escrow_entry(move)
        return move

    def _city_reconcile_escrow_entry(self, move):
        """Reconcile the escrow entry's receivable with the payments of the order."""
        receivable = move.line_ids.filtered(lambda ln: ln.account_id.account_type == "asset_receivable")
        if not receivable:
            return
        payments = self.transaction_ids.filtered(lambda tx: tx.state == "done").payment_id
        counterpart = payments.move_id.line_ids.filtered(
            lambda ln: ln.account_id == receivable.account_id and not ln.reconciled
        )
        if counterpart:
            (receivable | counterpart).reconcile()


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    city_escrow_ids = fields.One2many("city.escrow", "order_line_id", string="Escrow", groups=CITY_ROLES)

    def _city_get_source_label(self):
        """The order line as a merchant's statement shows it (order, product, member)."""
        self.ensure_one()
        return _(
            "%(order)s · %(product)s · %(member)s",
            order=self.order_id.name,
            product=self.product_id.name or "",
            member=self.order_id.partner_id.name or "",
        )

    def _city_get_discount_targets(self, lines):
        """The lines among ``lines`` (the order's positive lines) that this discount
        line (negative amount) is taken from; empty means all of them. A hook:
        city_alliance narrows a merchant's coupon to that merchant's lines."""
        self.ensure_one()
        return lines.browse()

    def _city_prepare_escrow_vals(self, amount_fen=None):
        """Escrow values of a paid line: one per merchant component (combos) or one.

        :param amount_fen: what the line brings into escrow (its total less its share
            of the order's discounts, see ``sale.order._city_escrow_line_amounts``);
            by default its total
        """
        self.ensure_one()
        if self.display_type or self.is_downpayment or not self.product_id:
            return []
        if amount_fen is None:
            amount_fen = to_fen(self.price_total)
        if amount_fen <= 0:
            return []
        order = self.order_id
        base = {
            "company_id": order.company_id.id,
            "currency_id": order.currency_id.id,
            "order_id": order.id,
            "order_line_id": self.id,
            "partner_id": order.partner_id.id,
            "product_id": self.product_id.id,
            "paid_date": order.city_paid_date,
        }
        combo = self.env["city.split.rule"]._find_rule(
            False, product=self.product_id, at=order.city_paid_date, company=order.company_id, modes=("combo",)
        )
        if combo and combo.product_tmpl_id == self.product_id.product_tmpl_id and combo.line_ids:
            components = combo._combo_components()
            parts = allocate(amount_fen, [weight for _k, _m, weight in components])
            return [
                dict(base, merchant_id=merchant.id, component_key=key, amount_paid=float(from_fen(part)))
                for (key, merchant, _w), part in zip(components, parts, strict=True)
                if part
            ]
        merchant = self.product_id.product_tmpl_id.merchant_id
        if not merchant:
            return []  # the platform's own products are income at once, not escrow
        return [dict(base, merchant_id=merchant.id, component_key=False, amount_paid=float(from_fen(amount_fen)))]
