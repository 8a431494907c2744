# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .city_mp_error import MpError
from .city_mp_subscription import MESSAGE_KINDS

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)  # doubled after each failed attempt: 1, 2, 4, 8 minutes
# WeChat's answers worth another attempt later (system busy, API call limit); any other refusal is final.
RETRY_ERRCODES = {-1, 45009, 45011}
# The member has no subscription for the template (any more): the consent is spent.
NO_SUBSCRIPTION = 43101
# Where the mini-program opens each message, and what WeChat shows (the keywords of the templates
# chosen in WeChat's console must be these).
PAGES = {
    "ticket_issued": "pages/tickets/index",
    "expiry_reminder": "pages/points/index",
    "coupon_received": "pages/coupons/index",
    "refund_done": "pages/orders/index",
}


def thing(text):
    """A ``thing`` keyword of a subscribe message: at most 20 characters."""
    text = str(text or "-")
    return text if len(text) <= 20 else text[:19] + "…"


class CityMpMessage(models.Model):
    """A WeChat subscribe message to a member: queued, sent against one consent of the
    member (``city.mp.subscription``), retried with backoff when WeChat is busy or away,
    and logged with WeChat's answer (``errcode``, ``errmsg``)."""

    _name = "city.mp.message"
    _description = "Mini-program Subscribe Message"
    _order = "id desc"

    partner_id = fields.Many2one("res.partner", string="Member", required=True, ondelete="cascade", readonly=True)
    kind = fields.Selection(MESSAGE_KINDS, required=True, readonly=True)
    data = fields.Json(readonly=True, help="The template's keywords, as WeChat takes them.")
    page = fields.Char(readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("no_consent", "No Consent"), ("failed", "Failed")],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(readonly=True, default=fields.Datetime.now)
    subscription_id = fields.Many2one("city.mp.subscription", string="Consent", readonly=True, ondelete="set null")
    template_id = fields.Char(string="WeChat Template", readonly=True)
    errcode = fields.Integer(string="WeChat errcode", readonly=True)
    errmsg = fields.Char(string="WeChat errmsg", readonly=True)
    sent_at = fields.Datetime(readonly=True)
    dedupe_key = fields.Char(readonly=True, copy=False)

    _sql_constraints = [("dedupe_key_uniq", "UNIQUE(dedupe_key)", "This message is already queued.")]

    # ------------------------------------------------------------------ queue
    @api.model
    def _queue(self, partner, kind, data, dedupe_key=None):
        """Queue a message to ``partner`` (once per ``dedupe_key``) and wake the sender; nothing for a
        member who never logged in through the mini-program or a kind without a template."""
        if kind not in self.env["city.mp.subscription"]._templates() or not partner.sudo().city_wx_openid:
            return self.browse()
        if dedupe_key and self.sudo().search_count([("dedupe_key", "=", dedupe_key)], limit=1):
            return self.browse()
        message = self.sudo().create(
            {"partner_id": partner.id, "kind": kind, "data": data, "page": PAGES[kind], "dedupe_key": dedupe_key}
        )
        self.env.ref("city_miniprogram_api.ir_cron_send_messages")._trigger()
        return message

    @api.model
    def _queue_expiry_reminders(self, limit=500):
        """city_loyalty's queued "points expiring" notifications, as expiry reminders: ``sent`` once
        queued here, ``failed`` for a member the mini-program cannot reach (never logged in)."""
        if "expiry_reminder" not in self.env["city.mp.subscription"]._templates():
            return 0  # left pending until a template is configured
        notifications = self.env["city.member.notification"].sudo()._take_pending(limit, kinds=["points_expiring"])
        unreachable = notifications.browse()
        for notification in notifications:
            payload = notification.payload or {}
            data = {
                "thing1": {"value": thing(notification.title)},
                "number2": {"value": str(payload.get("points", ""))[:32] or "0"},
                "date3": {"value": str(payload.get("expiry_date") or payload.get("date") or "-")[:20]},
                "thing4": {"value": thing(notification.body)},
            }
            key = f"notification:{notification.id}"
            if not self._queue(notification.partner_id, "expiry_reminder", data, dedupe_key=key):
                unreachable |= notification
        (notifications - unreachable)._mark_sent()
        unreachable.write({"state": "failed"})
        return len(notifications)

    # ------------------------------------------------------------------ send
    @api.model
    def _cron_send(self, limit=200):
        """Send the due messages (each in its own savepoint, locked: two senders never send one twice)."""
        self._queue_expiry_reminders()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM city_mp_message WHERE state = 'queued' AND next_attempt <= %s
                    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
                fields.Datetime.now(),
                limit,
            )
        )
        messages = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if not messages:
            return 0
        tokens_sudo = self.env["city.mp.wechat.token"].sudo()
        client = tokens_sudo._get_client()
        for message in messages:
            with self.env.cr.savepoint():
                message._send(tokens_sudo, client)
        return len(messages)

    def _send(self, tokens_sudo, client):
        self.ensure_one()
        consent = self.env["city.mp.subscription"]._take(self.partner_id, self.kind)
        if not consent:
            self.write({"state": "no_consent"})
            return
        vals = {"attempts": self.attempts + 1, "subscription_id": consent.id, "template_id": consent.template_id}
        openid = self.partner_id.sudo().city_wx_openid
        try:
            answer = tokens_sudo._call_with_token(
                client, client.wxa.send_subscribe_message, openid, consent.template_id, self.data, page=self.page
            )
        except MpError as exc:
            errcode, errmsg = getattr(exc, "wechat_answer", (None, exc.args[0]))
            self.write(dict(vals, **self._failure(errcode, vals["attempts"]), errcode=errcode or 0, errmsg=errmsg))
            if errcode == NO_SUBSCRIPTION:
                consent._use()
            return
        consent._use()
        self.write(
            dict(
                vals,
                state="sent",
                sent_at=fields.Datetime.now(),
                errcode=(answer or {}).get("errcode", 0),
                errmsg=(answer or {}).get("errmsg", "ok"),
            )
        )

    @api.model
    def _failure(self, errcode, attempts):
        """The state after a failed attempt: retried later (``errcode`` None: WeChat did not answer)."""
        if errcode == NO_SUBSCRIPTION:
            return {"state": "no_consent"}
        if (errcode is None or errcode in RETRY_ERRCODES) and attempts < MAX_ATTEMPTS:
            _logger.info(
                "Subscribe message %s: attempt %s failed (errcode %s), retried later", self.ids, attempts, errcode
            )
            return {"next_attempt": fields.Datetime.now() + BACKOFF * 2 ** (attempts - 1)}
        return {"state": "failed"}

    def _to_api(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        return [
            {
                "id": message.id,
                "kind": message.kind,
                "kind_label": kinds[message.kind],
                "state": message.state,
                "created_at": fields.Datetime.to_string(message.create_date),
                "sent_at": fields.Datetime.to_string(message.sent_at) if message.sent_at else None,
            }
            for message in self
        ]

    @api.autovacuum
    def _gc_messages(self):
        self.env.cr.execute(
            SQL(
                "DELETE FROM city_mp_message WHERE state != 'queued' AND create_date < %s",
                fields.Datetime.now() - timedelta(days=90),
            )
        )
