# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .. import const
from ..tools import signature

_logger = logging.getLogger(__name__)


class NoticeRefused(Exception):
    """A notice answered with a failure: ``status`` and a message safe to show to WeChat."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class CityWechatpayNotice(models.Model):
    """A WeChat Pay notice, recorded by its id before it is applied, so that WeChat's
    repeats (and parallel deliveries) of the same notice are applied once."""

    _name = "city.wechatpay.notice"
    _description = "WeChat Pay Notice"
    _order = "id desc"
    _rec_name = "notice_id"

    notice_id = fields.Char(string="Notice ID", required=True, readonly=True)
    provider_id = fields.Many2one("payment.provider", required=True, readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="provider_id.company_id", store=True)
    event_type = fields.Char(readonly=True)
    summary = fields.Char(readonly=True)
    create_time = fields.Char(string="Sent At", readonly=True)
    state = fields.Selection(
        [("received", "Received"), ("done", "Applied")], default="received", required=True, readonly=True
    )
    transaction_id = fields.Many2one("payment.transaction", readonly=True, ondelete="set null", index="btree_not_null")
    date_done = fields.Datetime(string="Applied On", readonly=True)

    _sql_constraints = [("notice_id_unique", "UNIQUE(notice_id)", "A WeChat Pay notice is recorded once.")]

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _receive(self, headers, body):
        """Verify, record and apply a notice (the webhook's whole work).

        1. verify the signature with the key the serial names, check the timestamp,
           decrypt, and check the payee, amount and currency against the transaction
           (read only: a refused notice writes nothing);
        2. record the notice by its id in its own short transaction (insert if absent);
        3. apply it once, in another transaction that locks the notice row without
           waiting: a parallel repeat is answered "busy" at once, a later repeat finds
           it applied.

        :param headers: the request's headers
        :param str body: the raw body
        :return: the ``city.wechatpay.notice`` id
        :raise NoticeRefused: failure to answer (status, message)
        """
        try:
            provider_sudo, envelope, resource = self.env["payment.provider"]._wechatpay_parse_notice(headers, body)
        except signature.SignatureError as exc:
            _logger.warning("WeChat Pay notice refused: %s", exc)
            raise NoticeRefused(401, "signature verification failed") from exc
        kind = self._get_kind(envelope)
        if kind == "profitsharing":
            if resource.get("sp_mchid", resource.get("mchid")) != provider_sudo.wechatpay_mchid:
                _logger.warning("WeChat Pay notice %s refused: another merchant", envelope.get("id"))
                raise NoticeRefused(400, "WeChat Pay data for another merchant or app (sp_mchid).")
        elif kind:
            try:
                payment, refund = self.env["payment.transaction"].sudo()._wechatpay_find_tx(resource)
                if payment.provider_id != provider_sudo:
                    raise ValidationError(_("WeChat Pay notice for another provider's payment."))
                if kind == "payment":
                    payment._wechatpay_check_data("payment", resource)
                elif refund:
                    refund._wechatpay_check_data("refund", resource)
                else:  # a refund made on WeChat's merchant platform: its payee and payment
                    payment.provider_id._wechatpay_check_payee(resource, payment, "refund")
            except ValidationError as exc:
                _logger.warning("WeChat Pay notice %s refused: %s", envelope.get("id"), exc.args[0])
                raise NoticeRefused(400, exc.args[0]) from exc
        notice_id = self._record(provider_sudo, envelope)
        self._apply(notice_id, kind, resource)
        return notice_id

    @api.model
    def _get_kind(self, envelope):
        event = envelope.get("event_type") or ""
        if event in const.PAYMENT_EVENTS:
            return "payment"
        if event in const.REFUND_EVENTS:
            return "refund"
        if event in const.PS_EVENTS:
            return "profitsharing"
        return None  # other events: recorded only

    @api.model
    def _record(self, provider_sudo, envelope):
        """Insert the notice if absent, in a transaction of its own (committed at once).

        Under REPEATABLE READ, a repeat inserted and committed by another worker after
        this transaction's snapshot makes the insert fail with a serialization error:
        a new transaction (a new snapshot) then finds it.
        """
        for attempt in range(3):
            try:
                return self._record_once(provider_sudo, envelope)
            except pg_errors.SerializationFailure as exc:
                if attempt == 2:
                    raise NoticeRefused(503, "busy, retry later") from exc
        return None

    @api.model
    def _record_once(self, provider_sudo, envelope):
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """INSERT INTO city_wechatpay_notice
                            (notice_id, provider_id, company_id, event_type, summary, create_time, state,
                             create_uid, write_uid, create_date, write_date)
                       VALUES (%s, %s, %s, %s, %s, %s, 'received', %s, %s, now() at time zone 'UTC',
                               now() at time zone 'UTC')
                       ON CONFLICT (notice_id) DO NOTHING
                       RETURNING id""",
                    str(envelope["id"])[:64],
                    provider_sudo.id,
                    provider_sudo.company_id.id,
                    str(envelope.get("event_type") or "")[:64],
                    str(envelope.get("summary") or "")[:255],
                    str(envelope.get("create_time") or "")[:64],
                    SUPERUSER_ID,
                    SUPERUSER_ID,
                )
            )
            row = cr.fetchone()
            if not row:
                cr.execute(SQL("SELECT id FROM city_wechatpay_notice WHERE notice_id = %s", str(envelope["id"])[:64]))
                row = cr.fetchone()
            return row[0]

    @api.model
    def _apply(self, notice_id, kind, resource):
        """Apply the recorded notice once, in a transaction of its own."""
        try:
            with self.env.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                cr.execute(SQL("SELECT state FROM city_wechatpay_notice WHERE id = %s FOR UPDATE NOWAIT", notice_id))
                if cr.fetchone()[0] == "done":
                    return
                notice = env["city.wechatpay.notice"].browse(notice_id)
                tx = env["payment.transaction"]
                if kind == "profitsharing":
                    tx = env["city.settlement.payout"]._wechatpay_apply_notice(resource).transaction_id
                elif kind:
                    tx = env["payment.transaction"]._wechatpay_lock_and_apply(kind, resource)
                notice.write({"state": "done", "date_done": fields.Datetime.now(), "transaction_id": tx.id})
        except pg_errors.LockNotAvailable as exc:
            raise NoticeRefused(503, "busy, retry later") from exc
        except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected) as exc:
            raise NoticeRefused(503, "busy, retry later") from exc
        except ValidationError as exc:
            _logger.warning("WeChat Pay notice %s not applied: %s", notice_id, exc.args[0])
            raise NoticeRefused(400, exc.args[0]) from exc
