# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.city_base.tools import tokens

from .city_mp_error import MpError

ACCESS_PURPOSE = "city_miniprogram_api.access"
REFRESH_PURPOSE = "city_miniprogram_api.refresh"
ACCESS_TTL = 2 * 3600
REFRESH_TTL = 30 * 24 * 3600


class CityMpSession(models.Model):
    """A member's login on one device: what its tokens are checked against.

    The access token (2 h) and the refresh token (30 days) are signed by
    city_base's token service and name the session; the refresh token also
    names the session's ``generation``, so it is valid once: refreshing rotates
    it, and replaying an old one (a stolen copy) revokes the session. Logging out
    revokes it, and with it every token it issued.
    """

    _name = "city.mp.session"
    _description = "Mini-program Member Session"
    _order = "id desc"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True, readonly=True)
    generation = fields.Integer(default=1, required=True, readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True)
    revoked = fields.Boolean(readonly=True)
    last_refresh = fields.Datetime(readonly=True)

    @api.model
    def _open(self, partner):
        """A new session of ``partner``: its token pair."""
        session = self.sudo().create(
            {"partner_id": partner.id, "expires_at": fields.Datetime.now() + timedelta(seconds=REFRESH_TTL)}
        )
        return session._issue_tokens()

    def _issue_tokens(self):
        self.ensure_one()
        service = self.env["city.token.service"].sudo()
        return {
            "access_token": service._sign_token(
                ACCESS_PURPOSE, {"p": self.partner_id.id, "s": self.id}, ttl=ACCESS_TTL
            ),
            "refresh_token": service._sign_token(
                REFRESH_PURPOSE, {"s": self.id, "g": self.generation}, ttl=REFRESH_TTL
            ),
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "refresh_expires_in": REFRESH_TTL,
        }

    def _refused(self):
        return MpError("unauthorized", _("Your login has expired or was revoked: log in again."), status=401)

    @api.model
    def _authenticate(self, token):
        """The member (``res.partner``) of a valid access token, or :class:`MpError` 401."""
        try:
            payload = self.env["city.token.service"].sudo()._verify_token(ACCESS_PURPOSE, token)
        except tokens.TokenError:
            raise self._refused() from None
        session_id, partner_id = payload.get("s"), payload.get("p")
        if not isinstance(session_id, int) or not isinstance(partner_id, int):
            raise self._refused()
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM city_mp_session s JOIN res_partner p ON p.id = s.partner_id
                    WHERE s.id = %s AND s.partner_id = %s AND NOT COALESCE(s.revoked, FALSE)
                      AND s.expires_at > now() AT TIME ZONE 'UTC' AND p.active""",
                session_id,
                partner_id,
            )
        )
        if not self.env.cr.fetchone():
            raise self._refused()
        return self.env["res.partner"].browse(partner_id), self.browse(session_id)

    @api.model
    def _refresh(self, refresh_token):
        """A new token pair for a valid refresh token, which is spent; a replayed one revokes its
        session and answers ``None`` (the caller refuses it with a 401)."""
        try:
            payload = self.env["city.token.service"].sudo()._verify_token(REFRESH_PURPOSE, refresh_token)
        except tokens.TokenError:
            raise self._refused() from None
        session_id, generation = payload.get("s"), payload.get("g")
        if not isinstance(session_id, int) or not isinstance(generation, int):
            raise self._refused()
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL("SELECT id FROM city_mp_session WHERE id = %s FOR NO KEY UPDATE NOWAIT", session_id)
                )
                found = self.env.cr.fetchone()
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise MpError("busy", _("Your login is being refreshed elsewhere: retry."), 429, retry_after=1) from None
        session_sudo = self.sudo().browse(found and found[0])
        if not session_sudo or session_sudo.revoked or session_sudo.expires_at <= fields.Datetime.now():
            raise self._refused()
        if generation != session_sudo.generation:
            # An old refresh token came back: someone holds a copy. End the session for both
            # (answered as a refusal by the caller, without rolling this back).
            session_sudo.revoked = True
            return None
        session_sudo.write({"generation": session_sudo.generation + 1, "last_refresh": fields.Datetime.now()})
        return session_sudo._issue_tokens()

    def _revoke(self):
        self.sudo().write({"revoked": True})

    @api.autovacuum
    def _gc_sessions(self):
        self.env.cr.execute(
            SQL(
                "DELETE FROM city_mp_session WHERE expires_at < %s",
                fields.Datetime.now() - timedelta(days=7),
            )
        )
