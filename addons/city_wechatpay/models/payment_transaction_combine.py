# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cross-merchant orders in service-provider mode: one payment per merchant.

An order whose items belong to several merchants (a combo of three shops) cannot be
paid into one sub-merchant account: each merchant's part must land, frozen for profit
sharing, in that merchant's own account. The order gets one ``payment.transaction``
per merchant (a *part*), whose amount is the sum of that merchant's escrow components
(``sale.order.line._city_prepare_escrow_vals``, cent-exact). The parts share a
``wechatpay_combine_ref``:

- **combined payment** (合单支付, ``wechatpay_combine`` on the provider): one prepay
  ``POST /v3/combine-transactions/jsapi`` named by the ref, one sub-order per part
  (its ``out_trade_no`` is the part's reference, ``settle_info.profit_sharing``
  true); the member confirms once; the notice (``combine_out_trade_no`` and
  ``sub_orders``) is checked sub-order by sub-order and applied to every part at once;
  query and close go through the combined-order endpoints;
- **separate payments** (the provider does not offer combined payment): each part is
  prepaid on its own (partner JSAPI to its merchant's ``sub_mchid``); the member
  confirms one payment per merchant in a row, and the order is paid when every part
  is. A part closed unpaid at expiry makes the parts already paid refunded in full
  (the order never becomes paid, no escrow was taken).

Each part is an ordinary WeChat Pay payment afterwards: its own ``transaction_id``
(the one profit sharing names), refunds with its ``out_trade_no`` and ``sub_mchid``.
"""

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import from_fen, to_fen
from odoo.addons.payment import utils as payment_utils

from .payment_provider import WechatpayError
from .payment_transaction import BEIJING, OUT_TRADE_NO

ABANDONED_KEY = "UNPAID"  # refund key of a part paid while another part was never paid


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    wechatpay_combine_ref = fields.Char(
        string="Combined Order Number",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The order's payments, one per merchant, share it (combine_out_trade_no of a combined payment).",
    )
    wechatpay_combined = fields.Boolean(
        string="Combined Payment", readonly=True, copy=False, help="Paid as one combined payment (合单支付)."
    )
    wechatpay_merchant_id = fields.Many2one(
        "res.partner",
        string="Paid Merchant",
        readonly=True,
        copy=False,
        ondelete="restrict",
        index="btree_not_null",
        help="The merchant whose sub-merchant account this part of the order is paid into.",
    )

    # ------------------------------------------------------------
    # BUSINESS: creating the parts
    # ------------------------------------------------------------

    @api.model
    def _wechatpay_create_parts(self, order, openid, provider):
        """The payments of a cross-merchant ``order`` in service-provider mode, one per
        merchant (reused while none of them is cancelled, also when some are paid: the
        member then pays only the others): combined when the provider offers it.

        :return: the part transactions, in merchant order
        :raise ValidationError: not a partner-mode provider, or an amount of the order
            belongs to no merchant (a platform product: it cannot go into a sub-merchant's account)
        """
        provider_sudo = provider.sudo()
        if provider_sudo.code != "wechatpay" or provider_sudo.wechatpay_mode != "partner":
            raise ValidationError(_("Paying an order per merchant needs a service-provider WeChat Pay account."))
        parts = order._wechatpay_merchant_parts()
        live = self.sudo().search(
            [
                ("sale_order_ids", "in", order.ids),
                ("wechatpay_combine_ref", "!=", False),
                ("state", "in", ("draft", "pending", "done")),
            ],
            order="id",
        )
        existing = live.filtered(lambda tx: tx.wechatpay_combine_ref == live[-1:].wechatpay_combine_ref)
        if {(tx.wechatpay_merchant_id, to_fen(tx.amount)) for tx in existing} == set(parts.items()):
            return existing
        txs = self.sudo().browse()
        for merchant, fen in parts.items():
            txs |= txs.create(
                {
                    "provider_id": provider_sudo.id,
                    "payment_method_id": self.env.ref("payment.payment_method_wechat_pay").id,
                    "amount": float(from_fen(fen)),
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_invoice_id.id,
                    "reference": self._compute_reference("wechatpay", sale_order_ids=[fields.Command.set(order.ids)]),
                    "operation": "online_direct",
                    "sale_order_ids": [fields.Command.set(order.ids)],
                    "wechatpay_openid": openid,
                    "wechatpay_merchant_id": merchant.id,
                }
            )
        ref = f"{order.name}-C{txs[:1].id}"
        if not OUT_TRADE_NO.match(ref):
            raise ValidationError(_("The reference %s cannot be sent to WeChat Pay.", ref))
        txs.write({"wechatpay_combine_ref": ref, "wechatpay_combined": bool(provider_sudo.wechatpay_combine)})
        return txs

    def _wechatpay_parts(self):
        """All parts of the order this part belongs to (itself when it is no part)."""
        self.ensure_one()
        if not self.wechatpay_combine_ref:
            return self
        return self.search([("wechatpay_combine_ref", "=", self.wechatpay_combine_ref)], order="id")

    def _wechatpay_get_sub_merchant(self):
        """Override: a part is paid into its merchant's sub-merchant account."""
        if self.wechatpay_merchant_id:
            return self.wechatpay_merchant_id.sudo().wechatpay_sub_mchid, False
        return super()._wechatpay_get_sub_merchant()

    # ------------------------------------------------------------
    # BUSINESS: profit sharing of a part (its own merchant and escrows)
    # ------------------------------------------------------------

    def _wechatpay_ps_order_merchant(self):
        """Override: a part is paid into its own merchant's sub-account."""
        if self.wechatpay_merchant_id:
            return self.wechatpay_merchant_id.filtered("wechatpay_sub_mchid")
        return super()._wechatpay_ps_order_merchant()

    def _wechatpay_ps_escrows(self):
        """Override: a part holds the escrows of its merchant only."""
        if self.wechatpay_merchant_id:
            return self.sale_order_ids.sudo().city_escrow_ids.filtered(lambda e: e.wechatpay_tx_id == self)
        return super()._wechatpay_ps_escrows()

    def _wechatpay_ps_merchant(self):
        """Override: a part's merchant, even before its escrows exist."""
        if self.wechatpay_merchant_id:
            return self.wechatpay_merchant_id
        return super()._wechatpay_ps_merchant()

    def _city_get_refund_escrows(self, order):
        """Override of `city_settlement`: a refund of a part (Odoo's refund button on it, a
        refund of its sub-order on WeChat's merchant platform) is booked on its merchant's
        escrows only: the other merchants' money is in their own sub-accounts."""
        if self.provider_code == "wechatpay" and self.wechatpay_merchant_id:
            return order.sudo().city_escrow_ids.filtered(lambda e: e.wechatpay_tx_id == self)
        return super()._city_get_refund_escrows(order)

    # ------------------------------------------------------------
    # BUSINESS: combined prepay, query, close
    # ------------------------------------------------------------

    def _wechatpay_prepay(self):
        """Override: the parts of a combined payment share one combined prepay."""
        if not self.wechatpay_combined:
            return super()._wechatpay_prepay()
        self.ensure_one()
        parts = self._wechatpay_parts()
        if any(tx.state not in ("draft", "pending") for tx in parts):
            raise UserError(_("This payment cannot be paid any more."))
        if self.wechatpay_prepay_id and self.wechatpay_expire_at and self.wechatpay_expire_at > fields.Datetime.now():
            return self.wechatpay_prepay_id
        sub_orders, tx_vals = [], {}
        for tx in parts:
            kwargs, tx_vals[tx] = tx._wechatpay_prepare_pay_kwargs()
            sub_orders.append(tx._wechatpay_prepare_sub_order(kwargs))
        provider_sudo = self.provider_id.sudo()
        expire = tx_vals[self]["wechatpay_expire_at"]
        data = self.provider_id._wechatpay_call(
            "combine_pay",
            combine_out_trade_no=self.wechatpay_combine_ref,
            sub_orders=sub_orders,
            combine_payer_info={"openid": self.wechatpay_openid},
            time_expire=pytz.utc.localize(expire).astimezone(BEIJING).isoformat(timespec="seconds"),
            notify_url=provider_sudo._wechatpay_notify_url(),
        )
        if not data.get("prepay_id"):
            raise WechatpayError(_("WeChat Pay gave no prepay_id."))
        for tx, vals in tx_vals.items():  # each part keeps its own merchant's sub_mchid
            tx.write(
                dict(
                    vals,
                    wechatpay_prepay_id=data["prepay_id"],
                    wechatpay_appid=provider_sudo.wechatpay_appid,
                    wechatpay_sub_appid=False,
                    wechatpay_expire_at=expire,
                )
            )
        return data["prepay_id"]

    def _wechatpay_prepare_sub_order(self, kwargs):
        """The sub-order of this part in a combined prepay (from its JSAPI arguments)."""
        self.ensure_one()
        return {
            "mchid": self.provider_id.sudo().wechatpay_mchid,
            "sub_mchid": kwargs["sub_mchid"],
            "out_trade_no": kwargs["out_trade_no"],
            "description": kwargs["description"],
            "attach": (self.wechatpay_merchant_id.name or "")[:127],
            "amount": {"total_amount": kwargs["amount"]["total"], "currency": kwargs["amount"]["currency"]},
            "settle_info": {"profit_sharing": True},
        }

    def _wechatpay_query(self):
        """Override: a combined payment is queried as one; the answer is applied to every part."""
        if not self.wechatpay_combined:
            return super()._wechatpay_query()
        self.ensure_one()
        data = self.provider_id._wechatpay_call("combine_query", combine_out_trade_no=self.wechatpay_combine_ref)
        self._wechatpay_lock_and_apply("payment", data)
        return self._wechatpay_sub_order_data(data)

    def _wechatpay_close(self):
        """Override: close every part of a combined payment at once; a part of separate
        payments closed unpaid makes the parts already paid refunded in full."""
        if not self.wechatpay_combine_ref:
            return super()._wechatpay_close()
        self.ensure_one()
        parts = self._wechatpay_parts()
        if not self.wechatpay_combined:
            super()._wechatpay_close()
            for tx in parts.filtered(lambda t: t.state == "done"):
                tx._city_refund_to_channel(tx.amount, ABANDONED_KEY)
            return
        provider_sudo = self.provider_id.sudo()
        self.provider_id._wechatpay_call(
            "combine_close",
            combine_out_trade_no=self.wechatpay_combine_ref,
            sub_orders=[
                {
                    "mchid": provider_sudo.wechatpay_mchid,
                    "out_trade_no": tx.reference,
                    "sub_mchid": tx.wechatpay_sub_mchid,
                }
                for tx in parts
            ],
        )
        for tx in parts.filtered(lambda t: t.state in ("draft", "pending")):
            tx._set_canceled(_("Closed at WeChat Pay: not paid in time."))

    def _post_process(self):
        """Override: a part of separate payments paid while another part was closed
        unpaid is refunded in full (the order can no longer be paid)."""
        res = super()._post_process()
        for tx in self.filtered(lambda t: t.wechatpay_combine_ref and not t.wechatpay_combined and t.state == "done"):
            if any(part.state in ("cancel", "error") for part in tx._wechatpay_parts()):
                tx._city_refund_to_channel(tx.amount, ABANDONED_KEY)
        return res

    # ------------------------------------------------------------
    # BUSINESS: combined notices (and query answers)
    # ------------------------------------------------------------

    @api.model
    def _wechatpay_find_tx(self, data):
        """Override: a combined resource is about the parts it names (the first one is
        returned; ``_wechatpay_check_data`` then checks them all)."""
        if "combine_out_trade_no" not in data:
            return super()._wechatpay_find_tx(data)
        parts = self.search(
            [("wechatpay_combine_ref", "=", data["combine_out_trade_no"] or ""), ("provider_code", "=", "wechatpay")],
            order="id",
        )
        if not parts:
            raise ValidationError(_("WeChat Pay data for an unknown payment."))
        return parts[:1], self.browse()

    def _wechatpay_check_data(self, kind, data):
        """Override: a combined resource is checked as a whole (payer account and app,
        the very sub-orders of the parts) and sub-order by sub-order as a payment of its
        part (sub-merchant, amount: the merchant's components, currency)."""
        if kind != "payment" or "combine_out_trade_no" not in data:
            return super()._wechatpay_check_data(kind, data)
        self.ensure_one()
        provider_sudo = self.provider_id.sudo()
        if (data.get("combine_mchid"), data.get("combine_appid")) != (
            provider_sudo.wechatpay_mchid,
            provider_sudo.wechatpay_appid,
        ):
            raise ValidationError(_("WeChat Pay data for another merchant or app (%s).", "combine_mchid"))
        for tx, sub_data in self._wechatpay_match_sub_orders(data):
            super(PaymentTransaction, tx)._wechatpay_check_data("payment", sub_data)
        return None

    def _wechatpay_match_sub_orders(self, data):
        """``[(part, resource of its sub-order as a single payment's)]``.

        :raise ValidationError: the sub-orders are not exactly the parts
        """
        parts = self._wechatpay_parts()
        sub_orders = data.get("sub_orders") or []
        by_ref = {sub.get("out_trade_no"): sub for sub in sub_orders}
        if len(by_ref) != len(sub_orders) or set(by_ref) != set(parts.mapped("reference")):
            raise ValidationError(_("WeChat Pay combined order does not match the order's payments."))
        return [(tx, tx._wechatpay_sub_order_data(data, by_ref[tx.reference])) for tx in parts]

    def _wechatpay_sub_order_data(self, data, sub=None):
        """A sub-order of a combined resource as the resource of a single partner-mode payment."""
        self.ensure_one()
        if sub is None:
            sub = next((s for s in data.get("sub_orders") or [] if s.get("out_trade_no") == self.reference), {})
        amount = sub.get("amount") or {}
        single = {
            "sp_mchid": sub.get("mchid"),
            "sub_mchid": sub.get("sub_mchid"),
            "sp_appid": data.get("combine_appid"),
            "out_trade_no": sub.get("out_trade_no"),
            "trade_state": sub.get("trade_state"),
            "amount": {"total": amount.get("total_amount"), "currency": amount.get("currency", "CNY")},
            "payer": data.get("combine_payer_info") or {},
        }
        for key in ("transaction_id", "success_time", "sub_appid", "attach"):
            if sub.get(key):
                single[key] = sub[key]
        return single

    @api.model
    def _wechatpay_lock_and_apply(self, kind, data):
        """Override: a combined resource locks every part (without waiting) and applies
        its sub-order to each: all parts are paid by the same notice, once."""
        if kind != "payment" or "combine_out_trade_no" not in data:
            return super()._wechatpay_lock_and_apply(kind, data)
        first, _refund = self._wechatpay_find_tx(data)
        parts = first._wechatpay_parts()
        self.env.cr.execute(
            SQL("SELECT id FROM payment_transaction WHERE id IN %s ORDER BY id FOR UPDATE NOWAIT", tuple(parts.ids))
        )
        parts.invalidate_recordset()
        for tx, sub_data in first._wechatpay_match_sub_orders(data):
            tx._process_notification_data(sub_data)
        return first


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _wechatpay_merchant_parts(self):
        """What each merchant's account receives for the order, in fen: ``{merchant: fen}``
        (the sum of its escrow components, as the escrow will hold them).

        :raise ValidationError: the parts do not add up to the order's total (a platform
            product, paid to nobody's sub-merchant account)
        """
        self.ensure_one()
        parts = {}
        amounts = self._city_escrow_line_amounts()
        for line in self.order_line:
            for vals in line._city_prepare_escrow_vals(amount_fen=amounts.get(line.id)):
                merchant = self.env["res.partner"].browse(vals["merchant_id"])
                parts[merchant] = parts.get(merchant, 0) + to_fen(vals["amount_paid"])
        total = payment_utils.to_minor_currency_units(self.amount_total, self.currency_id)
        if sum(parts.values()) != total:
            raise ValidationError(
                _("Order %s has items of no merchant: it cannot be paid into merchants' accounts.", self.name)
            )
        return dict(sorted(parts.items(), key=lambda item: item[0].id))

    def _wechatpay_pay_parts(self, provider, openid):
        """What the member confirms to pay this cross-merchant order in service-provider
        mode (for the mini-program API): one ``wx.requestPayment`` parameter set for a
        combined payment, one per merchant still unpaid (in order) without it; each with
        the part's ``reference`` and ``appId``."""
        self.ensure_one()
        txs = self.env["payment.transaction"]._wechatpay_create_parts(self, openid, provider)
        todo = txs.filtered(lambda tx: tx.state == "draft")
        if txs[:1].wechatpay_combined:
            todo = todo[:1]
        result = []
        for tx in todo:
            values = tx._get_processing_values()
            keys = ("timeStamp", "nonceStr", "package", "signType", "paySign")
            result.append({"appId": tx.wechatpay_appid, "reference": tx.reference, **{k: values[k] for k in keys}})
        return result

    def _city_refund_to_channel(self, amount, refund_key):
        """Override of `city_settlement`: an order paid one part per merchant refunds each
        part what its escrows gave back and it has not refunded yet (the caller booked the
        escrows first), each through its own payment and sub-merchant, with the same key:
        the same refund is never sent twice.

        :return: the refund transactions
        """
        self.ensure_one()
        parts = self._city_get_channel_transactions().filtered("wechatpay_combine_ref")
        if not parts:
            return super()._city_refund_to_channel(amount, refund_key)
        left = to_fen(amount)
        refunds = self.env["payment.transaction"]
        for part in parts.sorted("id"):
            escrows = self.sudo().city_escrow_ids.filtered(lambda e, p=part: e.wechatpay_tx_id == p)
            key = f"{part.reference}-{refund_key}"
            sent = part.child_transaction_ids.filtered(
                lambda t, k=key: t.operation == "refund" and t.state != "cancel" and t.wechatpay_out_refund_no != k
            )
            given_back = sum(to_fen(e.amount_refunded) + to_fen(e.amount_reversed) for e in escrows)
            due = given_back - sum(to_fen(-t.amount) for t in sent)
            fen = min(left, due)
            if fen > 0:
                refunds |= part._city_refund_to_channel(float(from_fen(fen)), refund_key)
                left -= fen
        if left > 0:
            raise UserError(
                _(
                    "Order %(order)s: %(amount)s cannot be refunded through its merchants' payments.",
                    order=self.name,
                    amount=from_fen(left),
                )
            )
        return refunds

    def _city_take_into_escrow(self):
        """Override of `city_settlement`: each escrow records the WeChat Pay payment that
        holds its money (the part of its merchant for a cross-merchant order), and the
        escrows of each part add up to that part exactly."""
        escrows = super()._city_take_into_escrow()
        txs = self.transaction_ids.filtered(lambda tx: tx.provider_code == "wechatpay" and tx.state == "done")
        parts = txs.filtered("wechatpay_combine_ref")
        for escrow in escrows:
            tx = parts.filtered(lambda t, e=escrow: t.wechatpay_merchant_id == e.merchant_id)[:1] or (txs - parts)[:1]
            escrow.wechatpay_tx_id = tx
        for tx in parts:
            held = sum(to_fen(e.amount_paid) for e in escrows if e.wechatpay_tx_id == tx)
            if held != to_fen(tx.amount):
                raise UserError(
                    _(
                        "Order %(order)s: the escrow of %(merchant)s (%(held)s) differs from its payment "
                        "(%(paid)s); were the combo's weights changed after payment?",
                        order=self.name,
                        merchant=tx.wechatpay_merchant_id.display_name,
                        held=from_fen(held),
                        paid=from_fen(to_fen(tx.amount)),
                    )
                )
        return escrows


class CityEscrow(models.Model):
    _inherit = "city.escrow"

    wechatpay_tx_id = fields.Many2one(
        "payment.transaction",
        string="WeChat Pay Payment",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
        help="The WeChat Pay payment holding this escrow's money (its transaction_id is the one profit sharing names).",
    )


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    wechatpay_combine = fields.Boolean(
        string="Combined Payment (合单支付)",
        default=True,
        groups="base.group_system,city_base.group_operator",
        help="Service provider mode: an order with items of several merchants is paid as one combined payment, "
        "one sub-order per merchant. Without it, the member confirms one payment per merchant in a row.",
    )
