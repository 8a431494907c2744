# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import base64
import hashlib
import io
import logging
from datetime import timedelta

import psycopg2.errors
import qrcode

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access, tokens
from odoo.addons.city_base.tools.allocation import allocate, from_fen

from ..tools import codes

TOKEN_PURPOSE = "city_ticketing.ticket"
ROTATING_PURPOSE = "city_ticketing.rotating"
ROTATING_STEP = 30
ROTATING_SEPARATOR = "~"
CLAIM_VALIDITY = timedelta(days=7)
STATES = [
    ("issued", "Issued"),
    ("transferred", "Transferred"),
    ("partial", "Partially Redeemed"),
    ("redeemed", "Redeemed"),
    ("expired", "Expired"),
    ("refunded", "Refunded"),
]
REDEEMABLE_STATES = ("issued", "transferred", "partial")

_logger = logging.getLogger(__name__)


class CityTicketError(UserError):
    """A refused ticket operation; ``code`` is the stable machine-readable reason."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class CityTicket(models.Model):
    """A ticket held by a member: one per unit sold (one per component for combos).

    Lean on purpose (no mail.thread): it is created in batches when an order is
    paid and updated on the redemption hot path.
    """

    _name = "city.ticket"
    _inherit = ["city.merchant.mixin"]
    _description = "Ticket"
    _order = "id desc"
    _rec_name = "manual_code"
    _check_company_auto = True

    # ------------------------------------------------------------------ fields
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", required=True, ondelete="restrict", index=True)
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id", store=True, index=True)
    ticket_type = fields.Selection(related="product_tmpl_id.city_ticket_type", store=True)
    refund_policy = fields.Selection(related="product_tmpl_id.city_refund_policy")
    terms = fields.Text(related="product_tmpl_id.city_terms")
    partner_id = fields.Many2one("res.partner", string="Holder", required=True, ondelete="restrict", index=True)
    order_id = fields.Many2one("sale.order", ondelete="restrict", index="btree_not_null", readonly=True)
    order_line_id = fields.Many2one("sale.order.line", ondelete="restrict", index="btree_not_null", readonly=True)
    escrow_id = fields.Many2one("city.escrow", ondelete="restrict", index="btree_not_null", readonly=True)
    component_key = fields.Char(readonly=True)
    component_name = fields.Char(readonly=True)
    slot_id = fields.Many2one("city.ticket.slot", ondelete="restrict", readonly=True)
    event_registration_id = fields.Many2one("event.registration", ondelete="set null", readonly=True)
    state = fields.Selection(STATES, required=True, default="issued", readonly=True, index=True)
    uses_total = fields.Integer(required=True, default=1, readonly=True)
    uses_done = fields.Integer(readonly=True)
    uses_left = fields.Integer(compute="_compute_uses_left")
    paid_fen = fields.Integer(string="Paid (fen)", readonly=True)
    released_fen = fields.Integer(string="Released (fen)", readonly=True)
    settled_fen = fields.Integer(string="Refunded or Forfeited (fen)", readonly=True)
    amount_paid = fields.Monetary(compute="_compute_amounts")
    amount_released = fields.Monetary(compute="_compute_amounts")
    valid_from = fields.Datetime(readonly=True)
    valid_to = fields.Datetime(readonly=True, index="btree_not_null")
    manual_code = fields.Char(readonly=True, copy=False, index=True)
    token_version = fields.Integer(default=1, readonly=True, copy=False)
    token = fields.Char(compute="_compute_token", compute_sudo=True)
    qr_image = fields.Binary(string="QR Code", compute="_compute_qr_image", compute_sudo=True)
    claim_code_hash = fields.Char(readonly=True, copy=False, index="btree_not_null", groups="base.group_system")
    claim_expires = fields.Datetime(readonly=True, copy=False)
    redemption_ids = fields.One2many("city.ticket.redemption", "ticket_id", readonly=True)
    transfer_ids = fields.One2many("city.ticket.transfer", "ticket_id", string="Holder Chain", readonly=True)

    _sql_constraints = [
        ("manual_code_unique", "UNIQUE(manual_code)", "Manual ticket codes are unique."),
        (
            "uses_in_range",
            "CHECK(uses_done >= 0 AND uses_done <= uses_total)",
            "A ticket cannot be used more than its uses.",
        ),
        (
            "amounts_in_range",
            "CHECK(released_fen >= 0 AND settled_fen >= 0 AND released_fen + settled_fen <= paid_fen)",
            "A ticket cannot release more than was paid for it.",
        ),
    ]

    # --------------------------------------------------------------- compute
    @api.depends("uses_total", "uses_done")
    def _compute_uses_left(self):
        for ticket in self:
            ticket.uses_left = ticket.uses_total - ticket.uses_done

    @api.depends("paid_fen", "released_fen")
    def _compute_amounts(self):
        for ticket in self:
            ticket.amount_paid = from_fen(ticket.paid_fen)
            ticket.amount_released = from_fen(ticket.released_fen)

    @api.depends("token_version")
    def _compute_token(self):
        service = self.env["city.token.service"]
        for ticket in self:
            ticket.token = (
                service._sign_token(TOKEN_PURPOSE, {"t": ticket.id, "v": ticket.token_version}) if ticket.id else False
            )

    @api.depends("token")
    def _compute_qr_image(self):
        for ticket in self:
            ticket.qr_image = self._make_qr_png(ticket.token) if ticket.token else False

    @api.model
    def _make_qr_png(self, data):
        image = qrcode.make(data, box_size=6, border=2)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue())

    @api.depends("product_id", "manual_code", "component_name")
    def _compute_display_name(self):
        for ticket in self:
            name = ticket.product_id.name or ""
            if ticket.component_name:
                name = f"{name} · {ticket.component_name}"
            ticket.display_name = f"{name} [{ticket.manual_code}]" if ticket.manual_code else name

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("manual_code", codes.new_manual_code())
        return super().create(vals_list)

    # -------------------------------------------------------------- issuing
    @api.model
    def _issue_for_order_lines(self, lines):
        """Issue the tickets of paid order lines (one per unit, one per component of a combo).

        Each ticket carries its share of the line's escrow (cent-exact) and is linked
        to the escrow it will release.
        """
        vals_list = []
        now = fields.Datetime.now()
        for line in lines:
            template = line.product_id.product_tmpl_id
            quantity = int(line.product_uom_qty)
            if not template.city_ticket_type or quantity <= 0 or line.city_ticket_ids:
                continue
            valid_from, valid_to = template._city_compute_validity(now, line.city_slot_id)
            base = {
                "product_id": line.product_id.id,
                "partner_id": line.order_id.partner_id.id,
                "order_id": line.order_id.id,
                "order_line_id": line.id,
                "company_id": line.order_id.company_id.id,
                "slot_id": line.city_slot_id.id,
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
            if template.city_is_combo:
                parts = [
                    (c.merchant_id, c.component_key, c.name, c.uses, line._city_get_escrow(c.component_key))
                    for c in template.city_component_ids
                ]
            else:
                parts = [(template.merchant_id, False, False, template.city_uses, line._city_get_escrow(False))]
            for merchant, key, name, uses, escrow in parts:
                paid = escrow.amount_paid if escrow else line.price_total
                shares = allocate(self._to_fen(paid), [1] * quantity)
                for share in shares:
                    vals_list.append(
                        dict(
                            base,
                            merchant_id=merchant.id,
                            component_key=key,
                            component_name=name,
                            uses_total=uses,
                            escrow_id=escrow.id if escrow else False,
                            paid_fen=share,
                        )
                    )
        tickets = self.sudo().create(vals_list)
        tickets._register_to_events()
        return tickets

    @api.model
    def _to_fen(self, amount):
        from odoo.addons.city_base.tools.allocation import to_fen  # noqa: PLC0415

        return to_fen(amount)

    def _register_to_events(self):
        """Event tickets get an attendee registration on the Odoo event."""
        registrations = self.env["event.registration"].sudo()
        for ticket in self.filtered(lambda t: t.ticket_type == "event" and t.product_tmpl_id.city_event_id):
            ticket.event_registration_id = registrations.create(
                {
                    "event_id": ticket.product_tmpl_id.city_event_id.id,
                    "partner_id": ticket.partner_id.id,
                    "name": ticket.partner_id.name,
                    "email": ticket.partner_id.email,
                    "phone": ticket.partner_id.phone,
                }
            )

    # -------------------------------------------------------- display codes
    def _get_rotating_code(self, now=None):
        """The 6-digit code that changes every 30 s, shown next to the QR code in the mini-program.

        The mini-program renders ``<token>~<rotating code>`` as its QR code so that a
        screenshot goes stale; :meth:`_redeem_code` checks the rotating part when present.
        Returns ``{"token", "code", "qr", "step", "expires_in"}``.
        """
        self.ensure_one()
        ticket_sudo = self.sudo()  # sudo: the token is derived from server keys the caller cannot read
        key = self.env["city.token.service"].sudo()._get_purpose_key(ROTATING_PURPOSE)
        now = fields.Datetime.now().timestamp() if now is None else now
        token = ticket_sudo.token
        code = tokens.rotating_code(key, token, step=ROTATING_STEP, now=now)
        return {
            "token": token,
            "code": code,
            "qr": f"{token}{ROTATING_SEPARATOR}{code}",
            "manual_code": ticket_sudo.manual_code,
            "step": ROTATING_STEP,
            "expires_in": ROTATING_STEP - int(now % ROTATING_STEP),
        }

    def _to_api(self):
        """The JSON shape of a ticket for the mini-program (no codes: see _get_rotating_code)."""
        self.ensure_one()
        ticket_sudo = self.sudo()  # sudo: serialising a ticket the caller was allowed to read
        return {
            "id": ticket_sudo.id,
            "product": ticket_sudo.product_id.name,
            "component": ticket_sudo.component_name or None,
            "merchant": {"id": ticket_sudo.merchant_id.id, "name": ticket_sudo.merchant_id.name},
            "type": ticket_sudo.ticket_type,
            "state": ticket_sudo.state,
            "uses_total": ticket_sudo.uses_total,
            "uses_left": ticket_sudo.uses_total - ticket_sudo.uses_done,
            "valid_from": fields.Datetime.to_string(ticket_sudo.valid_from) if ticket_sudo.valid_from else None,
            "valid_to": fields.Datetime.to_string(ticket_sudo.valid_to) if ticket_sudo.valid_to else None,
            "refund_policy": ticket_sudo.refund_policy,
            "amount_paid": float(from_fen(ticket_sudo.paid_fen)),
            "terms": ticket_sudo.terms or "",
        }

    # ----------------------------------------------------------- redemption
    @api.model
    def _resolve_code(self, code):
        """The id of the ticket a scanned or typed code designates, or a refusal.

        Accepts the signed token (printed QR), ``token~rotating`` (mini-program QR)
        and the manual code (digits with a Damm check digit).
        """
        code = (code or "").strip()
        if not code:
            raise CityTicketError("invalid_code", _("Scan or type a ticket code."))
        if code.isascii() and code.isdigit():  # str.isdigit() is also true of '¹', '٣'…
            if not codes.damm_valid(code) or len(code) != codes.MANUAL_DIGITS + 1:
                raise CityTicketError(
                    "bad_check_digit", _("The check digit is wrong: check the code and type it again.")
                )
            self.flush_model(["manual_code"])
            self.env.cr.execute(SQL("SELECT id FROM city_ticket WHERE manual_code = %s", code))
            row = self.env.cr.fetchone()
            if not row:
                raise CityTicketError("unknown_code", _("No ticket has this code."))
            return row[0], None
        token, _sep, rotating = code.partition(ROTATING_SEPARATOR)
        try:
            payload = self.env["city.token.service"].sudo()._verify_token(TOKEN_PURPOSE, token)
        except tokens.BadSignature as exc:
            raise CityTicketError("altered", _("The code was altered: its signature does not match.")) from exc
        except tokens.ExpiredToken as exc:
            raise CityTicketError("expired", _("This code has expired.")) from exc
        except tokens.TokenError as exc:
            raise CityTicketError("forged", _("Invalid code (forged or unreadable).")) from exc
        if not isinstance(payload.get("t"), int) or not isinstance(payload.get("v"), int):
            raise CityTicketError("forged", _("Invalid code (forged or unreadable)."))
        if rotating:
            key = self.env["city.token.service"].sudo()._get_purpose_key(ROTATING_PURPOSE)
            if not tokens.check_rotating_code(key, token, rotating, step=ROTATING_STEP):
                raise CityTicketError(
                    "stale_code",
                    _("The rotating code is stale (a screenshot?): ask the customer to refresh the ticket."),
                )
        return payload["t"], payload["v"]

    @api.model
    def _lock_for_update(self, ticket_id):
        """Lock the ticket row (NOWAIT): a concurrent scan gets "busy", never a double redemption."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM city_ticket WHERE id = %s FOR UPDATE NOWAIT", ticket_id), log_exceptions=False
                )
                found = self.env.cr.fetchone()
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure) as exc:
            raise CityTicketError("busy", _("This ticket is being redeemed right now: retry in a moment.")) from exc
        if not found:
            raise CityTicketError("unknown_code", _("No ticket has this code."))
        ticket_sudo = self.sudo().browse(ticket_id)
        ticket_sudo.invalidate_recordset()
        return ticket_sudo

    @api.model
    def _redeem_code(self, code, merchant=None, uses=1, device=None):
        """Redeem ``uses`` use(s) of the ticket designated by ``code`` for ``merchant``.

        The one redemption operation of the suite (scan screen, scanner API,
        mini-program API). Atomic: the ticket row is locked first (NOWAIT); each
        refusal raises :class:`CityTicketError` with a distinct ``code``:
        ``invalid_code``, ``bad_check_digit``, ``unknown_code``, ``forged``,
        ``altered``, ``stale_code``, ``revoked``, ``busy``, ``wrong_merchant``,
        ``not_yet_valid``, ``expired``, ``already_redeemed``, ``refunded``,
        ``not_enough_uses``. Every use releases its share of the escrow through
        city_settlement: in the redemption batch (``_cron_release_escrow``, one
        ``escrow._release_many`` per batch) by default, or at once when the system
        parameter ``city_ticketing.escrow_release`` is ``immediate``.

        :param merchant: the redeeming merchant (default: the user's merchant)
        :return: the ``city.ticket.redemption`` record created
        """
        merchant = merchant or self.env.user.merchant_id
        if not merchant:
            raise CityTicketError("no_merchant", _("Only merchant staff can redeem tickets."))
        if not isinstance(uses, int) or uses < 1:
            raise CityTicketError("invalid_uses", _("The number of uses must be a positive integer."))
        ticket_id, version = self._resolve_code(code)
        # sudo: the ticket is checked against the redeeming merchant just below.
        ticket_sudo = self._lock_for_update(ticket_id)
        if version is not None and version != ticket_sudo.token_version:
            raise CityTicketError(
                "revoked",
                _("This code is no longer valid (the ticket was transferred or renewed): ask for the current code."),
            )
        if ticket_sudo.merchant_id != merchant:
            raise CityTicketError(
                "wrong_merchant",
                _(
                    "This ticket is not for this shop (it belongs to %(merchant)s).",
                    merchant=ticket_sudo.merchant_id.name,
                ),
            )
        ticket_sudo._check_redeemable(uses)
        return ticket_sudo._apply_redemption(uses, device=device)

    def _check_redeemable(self, uses):
        self.ensure_one()
        if self.state == "redeemed":
            raise CityTicketError("already_redeemed", _("This ticket has already been redeemed."))
        if self.state == "refunded":
            raise CityTicketError("refunded", _("This ticket was refunded and cannot be redeemed."))
        now = fields.Datetime.now()
        if self.state == "expired" or (self.valid_to and now > self.valid_to):
            raise CityTicketError("expired", _("This ticket has expired."))
        if self.valid_from and now < self.valid_from:
            raise CityTicketError("not_yet_valid", _("This ticket is not valid yet."))
        if uses > self.uses_total - self.uses_done:
            raise CityTicketError(
                "not_enough_uses", _("Not enough uses left: %(left)s remaining.", left=self.uses_total - self.uses_done)
            )

    def _get_release_fen(self, uses):
        """Fen released by the next ``uses`` uses: the i-th use releases
        ``allocate(paid_fen, [1] * N)[i]``; the last use takes the residual."""
        self.ensure_one()
        if self.uses_done + uses >= self.uses_total:
            return self.paid_fen - self.released_fen - self.settled_fen
        shares = allocate(self.paid_fen, [1] * self.uses_total)
        # a card refunded in part at the channel has less left than its next uses' shares
        return min(sum(shares[self.uses_done : self.uses_done + uses]), self._residual_fen())

    def _apply_redemption(self, uses, device=None):
        self.ensure_one()
        amount_fen = self._get_release_fen(uses)
        done = self.uses_done + uses
        self.write(
            {
                "uses_done": done,
                "released_fen": self.released_fen + amount_fen,
                "state": "redeemed" if done >= self.uses_total else "partial",
            }
        )
        to_release = bool(self.escrow_id and amount_fen)
        redemption = (
            self.env["city.ticket.redemption"]
            .sudo()
            .create(
                {
                    "ticket_id": self.id,
                    "merchant_id": self.merchant_id.id,
                    "partner_id": self.partner_id.id,
                    "user_id": self.env.uid,
                    "uses": uses,
                    "use_index": done,
                    "amount_fen": amount_fen,
                    "device": device,
                    "escrow_pending": to_release,
                }
            )
        )
        if to_release and redemption._get_release_mode() == "immediate":
            redemption._release_escrow()
        if self.event_registration_id and self.event_registration_id.state != "done":
            self.event_registration_id.state = "done"
        return redemption

    @api.model
    def action_scan_code(self, code, uses=1):
        """The scan screen's call: redeem and answer ``{ok, code, message, ...}``.

        Refusals of the code are answers, never exceptions; only a user outside
        merchant staff is refused with an :class:`AccessError`.
        """
        access.check_groups(self.env, access.MERCHANT_USER)
        try:
            with self.env.cr.savepoint():
                redemption = self._redeem_code(code, uses=uses, device="scan_screen")
        except CityTicketError as exc:
            return {"ok": False, "code": exc.code, "message": exc.args[0]}
        return {"ok": True, "code": "redeemed", "message": redemption._get_success_message(), **redemption._to_api()}

    # ------------------------------------------------------ transfer / gift
    def _create_claim_code(self):
        """Start a gift: a claim code the holder sends to the receiver (valid 7 days).

        Only the hash is stored; a new call replaces the previous code.
        """
        self.ensure_one()
        if self.state not in ("issued", "transferred"):
            raise CityTicketError("not_transferable", _("Only unused tickets can be transferred."))
        code = codes.new_claim_code()
        self.sudo().write(
            {
                "claim_code_hash": hashlib.sha256(code.encode()).hexdigest(),
                "claim_expires": fields.Datetime.now() + CLAIM_VALIDITY,
            }
        )
        return code

    @api.model
    def _claim(self, claim_code, partner):
        """Receive a gifted ticket: ``partner`` becomes its holder.

        The previous holder's QR code and manual code stop working (new token
        version, new manual code); the chain of holders is kept in ``transfer_ids``.
        """
        digest = hashlib.sha256(codes.normalize_claim_code(claim_code).encode()).hexdigest()
        self.flush_model(["claim_code_hash"])
        self.env.cr.execute(SQL("SELECT id FROM city_ticket WHERE claim_code_hash = %s", digest))
        row = self.env.cr.fetchone()
        if not row:
            raise CityTicketError("unknown_claim", _("Invalid claim code."))
        ticket_sudo = self._lock_for_update(row[0])
        if ticket_sudo.claim_code_hash != digest:
            raise CityTicketError("unknown_claim", _("Invalid claim code."))
        if ticket_sudo.claim_expires and ticket_sudo.claim_expires < fields.Datetime.now():
            raise CityTicketError("claim_expired", _("This claim code has expired."))
        if ticket_sudo.state not in ("issued", "transferred"):
            raise CityTicketError("not_transferable", _("Only unused tickets can be transferred."))
        if ticket_sudo.partner_id == partner:
            raise CityTicketError("own_ticket", _("You cannot claim your own ticket."))
        self.env["city.ticket.transfer"].sudo().create(
            {
                "ticket_id": ticket_sudo.id,
                "merchant_id": ticket_sudo.merchant_id.id,
                "from_partner_id": ticket_sudo.partner_id.id,
                "to_partner_id": partner.id,
            }
        )
        ticket_sudo.write(
            {
                "partner_id": partner.id,
                "state": "transferred",
                "token_version": ticket_sudo.token_version + 1,
                "manual_code": codes.new_manual_code(),
                "claim_code_hash": False,
                "claim_expires": False,
            }
        )
        if ticket_sudo.event_registration_id:
            ticket_sudo.event_registration_id.write({"partner_id": partner.id, "name": partner.name})
        return ticket_sudo

    # ------------------------------------------------------ expiry / refund
    def _residual_fen(self):
        self.ensure_one()
        return self.paid_fen - self.released_fen - self.settled_fen

    def _refund(self, reason):
        """Refund what is left of the ticket to the member through its escrow, and send
        it back through the channel that paid the order (``sale.order._city_refund_to_channel``:
        WeChat Pay refunds it; the escrow is booked here, once)."""
        self.redemption_ids._release_escrow()  # deliveries first, then what is left goes back
        to_channel = {}
        for ticket in self:
            amount = ticket._residual_fen()
            if amount and ticket.escrow_id:
                ticket.escrow_id._refund(from_fen(amount), ticket, reason)
                if ticket.order_id:
                    fen, tickets = to_channel.get(ticket.order_id, (0, self.browse()))
                    to_channel[ticket.order_id] = (fen + amount, tickets | ticket)
            ticket.write({"state": "refunded", "settled_fen": ticket.settled_fen + amount})
        for order, (fen, tickets) in to_channel.items():
            # A ticket is refunded once: its id names the channel refund (the same number
            # is sent again if this transaction is re-run, never a second refund).
            order.sudo()._city_refund_to_channel(from_fen(fen), f"T{min(tickets.ids)}")

    def _refund_part(self, amount_fen):
        """Take ``amount_fen`` of a refund made at the channel off this ticket (no escrow
        movement: the caller books it per escrow). Refunded in full, the ticket is
        ``refunded``; in part, it stays valid for what is left."""
        self.ensure_one()
        residual = self._residual_fen()
        if amount_fen <= 0 or amount_fen > residual:
            raise UserError(_("Cannot refund more than what is left of ticket %s.", self.manual_code))
        vals = {"settled_fen": self.settled_fen + amount_fen}
        if amount_fen == residual:
            vals["state"] = "refunded"
        self.write(vals)

    def _forfeit(self):
        """An expired non-refundable ticket: what is left of it goes to income."""
        self.redemption_ids._release_escrow()
        for ticket in self:
            amount = ticket._residual_fen()
            if amount and ticket.escrow_id:
                ticket.escrow_id._forfeit(from_fen(amount), ticket)
            ticket.write({"state": "expired", "settled_fen": ticket.settled_fen + amount})

    def _action_refund(self):
        """Refund on the member's request; only for 随时退 (refund anytime) products.

        Not a button: the mini-program API calls it for the authenticated holder.
        """
        for ticket in self:
            ticket_sudo = self._lock_for_update(ticket.id)
            if ticket_sudo.state not in REDEEMABLE_STATES:
                raise CityTicketError("not_refundable", _("This ticket cannot be refunded in its current state."))
            if ticket_sudo.refund_policy != "anytime":
                raise CityTicketError("not_refundable", _("This ticket is not refundable on request."))
            ticket_sudo._refund(_("Refund requested by the member"))
        return True

    def _expire(self):
        """Expire tickets past their validity, refunding or forfeiting by the product's policy."""
        for ticket in self:
            if ticket.refund_policy == "no_refund":
                ticket._forfeit()
            else:
                ticket._refund(_("Expired: automatic refund"))

    @api.model
    def _cron_expire_tickets(self, batch_size=500):
        """Expire tickets whose validity ended, in committed batches.

        The batch is locked in one statement (SKIP LOCKED: a ticket being redeemed right
        now is left for the next run); each ticket expires in its own company and savepoint,
        so the refund or forfeit books in the ticket's company whatever company the cron runs
        in, and a refund the payment channel refuses leaves that ticket for the next run.
        """
        domain = [("state", "in", REDEEMABLE_STATES), ("valid_to", "<", fields.Datetime.now())]
        tickets = self.sudo().search(domain, limit=batch_size, order="valid_to, id")
        locked = self._lock_skip_locked(tickets)
        for ticket in locked:
            try:
                with self.env.cr.savepoint():
                    ticket.with_company(ticket.company_id)._expire()
            except UserError as exc:
                # the channel refused the refund (nothing written): the next run tries again
                _logger.warning("Ticket %s not expired: %s", ticket.id, exc.args[0])
        if len(tickets) == batch_size:
            self.env.ref("city_ticketing.ir_cron_expire_tickets")._trigger()
        return locked

    @api.model
    def _lock_skip_locked(self, tickets):
        """Lock what can be locked of ``tickets`` now and is still redeemable; the rest is skipped."""
        if not tickets:
            return tickets
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM city_ticket WHERE id IN %s AND state IN %s ORDER BY id FOR UPDATE SKIP LOCKED",
                tuple(tickets.ids),
                tuple(REDEEMABLE_STATES),
            )
        )
        locked = tickets.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_recordset()
        return locked

    def _city_get_source_label(self):
        """The ticket as a merchant's statement shows it: its code, product and holder."""
        self.ensure_one()
        product = self.product_id.name or ""
        if self.component_name:
            product = f"{product} · {self.component_name}"
        return _(
            "Ticket %(code)s · %(product)s · %(member)s",
            code=self.manual_code or "",
            product=product,
            member=self.partner_id.name or "",
        )

    # --------------------------------------------------------------- actions
    def action_print(self):
        access.check_groups(self.env, *access.ANY_ROLE)
        self.check_access("read")
        return self.env.ref("city_ticketing.action_report_city_ticket").report_action(self)
