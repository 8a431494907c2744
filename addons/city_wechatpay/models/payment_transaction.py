# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
import re
from datetime import timedelta

import pytz
from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils

from .. import const
from .payment_provider import WechatpayError

_logger = logging.getLogger(__name__)

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
BEIJING = pytz.timezone("Asia/Shanghai")


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    wechatpay_openid = fields.Char(
        string="Payer OpenID", readonly=True, copy=False, help="The member's openid in the paying mini-program."
    )
    wechatpay_prepay_id = fields.Char(string="Prepay ID", readonly=True, copy=False)
    wechatpay_appid = fields.Char(string="Paying App ID", readonly=True, copy=False)
    wechatpay_sub_mchid = fields.Char(string="Sub-merchant ID", readonly=True, copy=False)
    wechatpay_sub_appid = fields.Char(string="Sub-merchant App ID", readonly=True, copy=False)
    wechatpay_expire_at = fields.Datetime(string="Payable Until", readonly=True, copy=False)
    wechatpay_out_refund_no = fields.Char(
        string="Refund Number", readonly=True, copy=False, index="btree_not_null", help="out_refund_no at WeChat Pay."
    )
    wechatpay_book_escrow = fields.Boolean(
        string="Book Refund on Escrow",
        default=True,
        readonly=True,
        copy=False,
        help="A done refund takes its amount out of the order's escrow (unset when the caller booked it itself).",
    )

    # ------------------------------------------------------------
    # BUSINESS: prepay (JSAPI, mini-program)
    # ------------------------------------------------------------

    def _get_specific_processing_values(self, processing_values):
        """Override of `payment`: prepay at WeChat Pay and return the ``wx.requestPayment``
        parameters (timeStamp, nonceStr, package, signType, paySign) signed for the
        prepay's appId.
        """
        res = super()._get_specific_processing_values(processing_values)
        if self.provider_code != "wechatpay" or self.operation not in ("online_direct", "online_redirect"):
            return res
        prepay_id = self._wechatpay_prepay()
        params = self.provider_id._wechatpay_request_payment_params(self.wechatpay_appid, prepay_id)
        return {**res, **params, "wechatpay_appid": self.wechatpay_appid, "wechatpay_prepay_id": prepay_id}

    def _wechatpay_get_sub_merchant(self):
        """``(sub_mchid, sub_appid)`` paid in service-provider mode: the provider's by
        default; the profit-sharing module overrides it per merchant."""
        self.ensure_one()
        provider_sudo = self.provider_id.sudo()
        return provider_sudo.wechatpay_sub_mchid, provider_sudo.wechatpay_sub_appid

    def _wechatpay_prepare_pay_kwargs(self):
        """Arguments of ``wechatpayv3``'s ``pay`` for this transaction (JSAPI)."""
        self.ensure_one()
        if self.currency_id.name not in const.SUPPORTED_CURRENCIES:
            raise ValidationError(_("WeChat Pay takes payments in CNY only."))
        if not OUT_TRADE_NO.match(self.reference or ""):
            raise ValidationError(_("The reference %s cannot be sent to WeChat Pay.", self.reference))
        if not self.wechatpay_openid:
            raise ValidationError(_("The payer's WeChat openid is missing."))
        provider_sudo = self.provider_id.sudo()
        expire = fields.Datetime.now() + timedelta(seconds=const.PAY_EXPIRY)
        kwargs = {
            "description": (self.sale_order_ids[:1].name or self.reference)[:127],
            "out_trade_no": self.reference,
            "amount": {
                "total": payment_utils.to_minor_currency_units(self.amount, self.currency_id),
                "currency": self.currency_id.name,
            },
            "time_expire": pytz.utc.localize(expire).astimezone(BEIJING).isoformat(timespec="seconds"),
            "notify_url": provider_sudo._wechatpay_notify_url(),
        }
        vals = {"wechatpay_expire_at": expire}
        if provider_sudo.wechatpay_mode == "partner":
            sub_mchid, sub_appid = self._wechatpay_get_sub_merchant()
            if not sub_mchid:
                raise ValidationError(_("No sub-merchant is set for this payment."))
            kwargs["sub_mchid"] = sub_mchid
            if sub_appid:
                kwargs["sub_appid"] = sub_appid
                kwargs["payer"] = {"sub_openid": self.wechatpay_openid}
            else:
                kwargs["payer"] = {"sp_openid": self.wechatpay_openid}
            vals.update(
                wechatpay_sub_mchid=sub_mchid,
                wechatpay_sub_appid=sub_appid or False,
                wechatpay_appid=sub_appid or provider_sudo.wechatpay_appid,
            )
        else:
            kwargs["payer"] = {"openid": self.wechatpay_openid}
            vals["wechatpay_appid"] = provider_sudo.wechatpay_appid
        return kwargs, vals

    def _wechatpay_prepay(self):
        """Create (or reuse while payable) the JSAPI prepay of this transaction: its prepay_id."""
        self.ensure_one()
        if self.state not in ("draft", "pending"):
            raise UserError(_("This payment cannot be paid any more."))
        if self.wechatpay_prepay_id and self.wechatpay_expire_at and self.wechatpay_expire_at > fields.Datetime.now():
            return self.wechatpay_prepay_id
        kwargs, vals = self._wechatpay_prepare_pay_kwargs()
        data = self.provider_id._wechatpay_call("pay", **kwargs)
        prepay_id = data.get("prepay_id")
        if not prepay_id:
            raise WechatpayError(_("WeChat Pay gave no prepay_id."))
        self.write(dict(vals, wechatpay_prepay_id=prepay_id))
        return prepay_id

    # ------------------------------------------------------------
    # BUSINESS: query and close
    # ------------------------------------------------------------

    def _wechatpay_sub_mchid_kwargs(self):
        if self.provider_id.sudo().wechatpay_mode == "partner":
            return {"sub_mchid": self.wechatpay_sub_mchid or self._wechatpay_get_sub_merchant()[0]}
        return {}

    def _wechatpay_query(self):
        """Ask WeChat Pay for the state of the payment and apply it (as a notice would)."""
        self.ensure_one()
        data = self.provider_id._wechatpay_call(
            "query", out_trade_no=self.reference, **self._wechatpay_sub_mchid_kwargs()
        )
        self._wechatpay_apply("payment", data)
        return data

    def _wechatpay_close(self):
        """Close the unpaid order at WeChat Pay and cancel the transaction."""
        self.ensure_one()
        self.provider_id._wechatpay_call("close", out_trade_no=self.reference, **self._wechatpay_sub_mchid_kwargs())
        self._set_canceled(_("Closed at WeChat Pay: not paid in time."))

    @api.model
    def _cron_wechatpay_sync(self, batch_size=200, quiet_minutes=5):
        """Query the payments and refunds that got no notice; close expired unpaid orders."""
        quiet = fields.Datetime.now() - timedelta(minutes=quiet_minutes)
        txs = self.sudo().search(
            [
                ("provider_code", "=", "wechatpay"),
                ("state", "in", ("draft", "pending")),
                ("create_date", "<", quiet),
                "|",
                ("wechatpay_prepay_id", "!=", False),
                ("operation", "=", "refund"),
            ],
            limit=batch_size,
            order="id",
        )
        for tx in txs:
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        SQL("SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE NOWAIT", tx.id)
                    )
                    if tx.operation == "refund":
                        tx._wechatpay_send_refund()
                        continue
                    data = tx._wechatpay_query()
                    if (
                        data.get("trade_state") in ("NOTPAY",)
                        and tx.wechatpay_expire_at
                        and tx.wechatpay_expire_at < fields.Datetime.now()
                    ):
                        tx._wechatpay_close()
            except (WechatpayError, ValidationError, pg_errors.LockNotAvailable) as exc:
                _logger.info("WeChat Pay sync of %s postponed: %s", tx.reference, type(exc).__name__)
        return txs

    # ------------------------------------------------------------
    # BUSINESS: refunds
    # ------------------------------------------------------------

    def _send_refund_request(self, amount_to_refund=None):
        """Override of `payment`: refund at WeChat Pay (partial refunds allowed).

        The refund transaction's reference is the ``out_refund_no``: a refund that
        could not reach WeChat Pay stays pending and is sent again with the same
        number by the sync cron.
        """
        refund_tx = super()._send_refund_request(amount_to_refund=amount_to_refund)
        if self.provider_code != "wechatpay":
            return refund_tx
        refund_tx.write(
            {
                "wechatpay_out_refund_no": refund_tx.reference,
                "wechatpay_sub_mchid": self.wechatpay_sub_mchid,
                "wechatpay_book_escrow": not self.env.context.get("city_wechatpay_escrow_booked"),
            }
        )
        refund_tx._wechatpay_send_refund()
        return refund_tx

    def _wechatpay_send_refund(self):
        """Send (or send again, same out_refund_no) this refund transaction to WeChat Pay."""
        self.ensure_one()
        source = self.source_transaction_id
        if len(self.wechatpay_out_refund_no or "") > 64:
            raise ValidationError(_("The refund number %s is too long for WeChat Pay.", self.wechatpay_out_refund_no))
        if self.state == "draft" and not self.wechatpay_ps_from_balance:
            source._wechatpay_ps_before_refund(self)  # profit sharing: return (回退) the shares first
        kwargs = {
            "out_refund_no": self.wechatpay_out_refund_no,
            "out_trade_no": source.reference,
            "amount": {
                "refund": payment_utils.to_minor_currency_units(-self.amount, self.currency_id),
                "total": payment_utils.to_minor_currency_units(source.amount, source.currency_id),
                "currency": self.currency_id.name,
            },
            "notify_url": self.provider_id._wechatpay_notify_url(),
            **source._wechatpay_sub_mchid_kwargs(),
        }
        try:
            data = self.provider_id._wechatpay_call("refund", **kwargs)
        except WechatpayError as exc:
            if exc.wechatpay_status and exc.wechatpay_status < 500:
                raise UserError(str(exc.args[0])) from exc
            if self.state == "draft":
                self._set_pending(_("Refund not confirmed by WeChat Pay yet: it will be sent again."))
            return {}
        self._wechatpay_apply("refund", data)
        return data

    def _create_child_transaction(self, amount, is_refund=False, **custom_create_values):
        """Override of `payment`: a refund sent for the suite (a ticket refunded by its
        policy) is named by what it refunds (context ``city_wechatpay_out_refund_no``),
        so that a re-run sends the same ``out_refund_no``."""
        out_refund_no = self.env.context.get("city_wechatpay_out_refund_no")
        if is_refund and self.provider_code == "wechatpay" and out_refund_no:
            custom_create_values.setdefault("reference", out_refund_no)
        return super()._create_child_transaction(amount, is_refund=is_refund, **custom_create_values)

    def _city_refund_to_channel(self, amount, refund_key):
        """Override of `city_settlement`: refund through WeChat Pay, escrow booked by the
        caller (``city_wechatpay_escrow_booked``); the ``out_refund_no`` is the payment's
        reference and ``refund_key``: the same key gives the same refund."""
        if self.provider_code != "wechatpay":
            return super()._city_refund_to_channel(amount, refund_key)
        self.ensure_one()
        out_refund_no = f"{self.reference}-{refund_key}"
        existing = self.search(
            [("wechatpay_out_refund_no", "=", out_refund_no), ("provider_code", "=", "wechatpay")], limit=1
        )
        if existing:
            return existing
        return self.with_context(
            city_wechatpay_escrow_booked=True, city_wechatpay_out_refund_no=out_refund_no
        )._send_refund_request(amount_to_refund=amount)

    def _post_process(self):
        """Override of `payment`: a done WeChat Pay refund not booked by its caller
        (Odoo's refund button, a refund made on WeChat's merchant platform) is booked on
        its order: tickets, escrow, delivered services (``_city_book_channel_refund``), once."""
        res = super()._post_process()
        for tx in self.filtered(
            lambda t: t.provider_code == "wechatpay" and t.operation == "refund" and t.state == "done"
        ):
            tx._wechatpay_book_refund()
        return res

    def _wechatpay_book_refund(self):
        self.ensure_one()
        self.env.cr.execute(SQL("SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE", self.id))
        self.invalidate_recordset(["wechatpay_book_escrow"])
        if not self.wechatpay_book_escrow:
            return
        remaining = self._city_book_channel_refund()
        if remaining:
            _logger.warning("WeChat Pay refund %s: %s fen not held by its order", self.reference, remaining)
        self.wechatpay_book_escrow = False

    # ------------------------------------------------------------
    # BUSINESS: notices (and query / refund answers)
    # ------------------------------------------------------------

    def _get_tx_from_notification_data(self, provider_code, notification_data):
        """Override of `payment`: the payment by ``out_trade_no``; a refund by its
        ``out_refund_no`` (one made on WeChat's merchant platform becomes a new refund
        transaction of its payment)."""
        tx = super()._get_tx_from_notification_data(provider_code, notification_data)
        if provider_code != "wechatpay" or len(tx) == 1:
            return tx
        payment, refund = self._wechatpay_find_tx(notification_data)
        if refund or "out_refund_no" not in notification_data:
            return refund or payment
        data = notification_data
        amount = (data.get("amount") or {}).get("refund")
        if not data.get("refund_id") or not isinstance(amount, int) or amount <= 0:
            raise ValidationError(_("WeChat Pay sent incomplete refund data."))
        return payment._create_child_transaction(
            payment_utils.to_major_currency_units(amount, payment.currency_id),
            is_refund=True,
            provider_reference=data["refund_id"],
            wechatpay_out_refund_no=data["out_refund_no"],
            wechatpay_sub_mchid=payment.wechatpay_sub_mchid,
            # profit sharing: booked once done, excess shares returned after the fact (see profit sharing)
            wechatpay_ps_external="to_book" if payment.wechatpay_profit_sharing else False,
        )

    @api.model
    def _wechatpay_find_tx(self, data):
        """``(payment, refund)`` a resource is about (read only; ``refund`` empty when the
        resource is a payment's or a refund not made from Odoo).

        :raise ValidationError: no such payment
        """
        payment = self.search(
            [("reference", "=", data.get("out_trade_no") or ""), ("provider_code", "=", "wechatpay")], limit=1
        )
        if not payment or payment.operation == "refund":
            raise ValidationError(_("WeChat Pay data for an unknown payment."))
        refund = self.browse()
        if data.get("out_refund_no"):
            refund = self.search(
                [("wechatpay_out_refund_no", "=", data["out_refund_no"]), ("provider_code", "=", "wechatpay")],
                limit=1,
            )
        return payment, refund

    @api.model
    def _wechatpay_lock_and_apply(self, kind, data):
        """Apply a verified notice resource: the transaction's row is locked first,
        without waiting (a busy row makes WeChat retry)."""
        tx = self._get_tx_from_notification_data("wechatpay", data)
        self.env.cr.execute(SQL("SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE NOWAIT", tx.id))
        tx.invalidate_recordset()
        if (kind == "refund") != (tx.operation == "refund"):
            raise ValidationError(_("WeChat Pay notice of the wrong kind."))
        tx._process_notification_data(data)
        return tx

    def _wechatpay_check_data(self, kind, data):
        """Payee, amount and currency of a payment or refund resource match this transaction.

        :raise ValidationError: they do not (nothing is applied)
        """
        self.ensure_one()
        amount = data.get("amount") or {}
        if kind == "payment":
            self.provider_id._wechatpay_check_payee(data, self, "payment")
            expected = payment_utils.to_minor_currency_units(self.amount, self.currency_id)
            if data.get("trade_state") == "SUCCESS" and amount.get("total") != expected:
                raise ValidationError(_("WeChat Pay paid amount does not match the payment."))
            if data.get("trade_state") == "SUCCESS" and amount.get("currency", "CNY") != self.currency_id.name:
                raise ValidationError(_("WeChat Pay paid currency does not match the payment."))
        else:
            if "sp_mchid" in data or "mchid" in data:
                self.provider_id._wechatpay_check_payee(data, self.source_transaction_id, "refund")
            if amount.get("refund") != payment_utils.to_minor_currency_units(-self.amount, self.currency_id):
                raise ValidationError(_("WeChat Pay refunded amount does not match the refund."))
            if data.get("out_trade_no") and data["out_trade_no"] != self.source_transaction_id.reference:
                raise ValidationError(_("WeChat Pay refund of another payment."))

    def _process_notification_data(self, notification_data):
        """Override of `payment`: apply a payment (transaction) or refund resource."""
        super()._process_notification_data(notification_data)
        if self.provider_code != "wechatpay":
            return
        data = notification_data
        kind = "refund" if self.operation == "refund" else "payment"
        self._wechatpay_check_data(kind, data)
        if kind == "payment":
            status = data.get("trade_state")
            target = const.TRADE_STATE.get(status)
            if status == "SUCCESS" and data.get("transaction_id"):
                if self.state not in ("done", "cancel"):
                    self.provider_reference = data["transaction_id"]
        else:
            status = data.get("refund_status") or data.get("status")
            target = const.REFUND_STATE.get(status)
            if data.get("refund_id") and not self.provider_reference:
                self.provider_reference = data["refund_id"]
        if target is None:
            raise ValidationError(_("WeChat Pay sent an unknown state %s.", status))
        if target == "done":
            if self.state == "cancel":
                # Paid after we closed it (closing raced the payment): the money is there.
                done = self._update_state(("cancel",), "done", _("Paid at WeChat Pay after it was closed."))
            else:
                done = self._set_done()
        elif target == "pending":
            done = self._set_pending()
        elif target == "cancel":
            done = self._set_canceled(_("Closed at WeChat Pay."))
        else:
            done = self._set_error(_("WeChat Pay reports a failure (%s).", status))
        if done and target != "pending":
            # The order's paid event (escrow, tickets, points) runs in Odoo's post-processing
            # cron, after the notice is answered, not in the notice's transaction.
            self.env.ref("payment.cron_post_process_payment_tx").sudo()._trigger()

    def _wechatpay_apply(self, kind, data):
        """Apply a verified resource (notice, query or refund answer) to its transaction."""
        provider_code = "wechatpay"
        if kind == "refund" and "out_refund_no" not in data:
            raise ValidationError(_("WeChat Pay sent incomplete refund data."))
        tx = self._get_tx_from_notification_data(provider_code, data) if not self else self
        tx._process_notification_data(data)
        return tx
