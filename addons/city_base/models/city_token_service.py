# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import base64
import hashlib
import hmac
import json

from odoo import api, models

from ..tools import tokens

KEYRING_PARAM = "city_base.signing_keyring"


class CityTokenService(models.AbstractModel):
    """Server-side signing keys and signed tokens for the whole suite.

    The keyring lives in a system parameter (readable by administrators only)
    and is created at install time. Modules sign with a purpose of their own,
    e.g. ``self.env['city.token.service']._sign_token('ticket', {'t': 42})``.
    """

    _name = "city.token.service"
    _description = "Signed Token Service"

    @api.model
    def _get_keyring(self):
        raw = self.env["ir.config_parameter"].sudo().get_param(KEYRING_PARAM)
        if not raw:
            return self._ensure_keyring()
        data = json.loads(raw)
        keys = {kid: base64.b64decode(key) for kid, key in data["keys"].items()}
        return tokens.Keyring(keys, data["current"])

    @api.model
    def _store_keyring(self, keyring):
        data = {
            "current": keyring.current,
            "keys": {kid: base64.b64encode(key).decode() for kid, key in keyring.keys.items()},
        }
        # sudo: the keyring is a system parameter that only the system may write.
        self.env["ir.config_parameter"].sudo().set_param(KEYRING_PARAM, json.dumps(data))
        return keyring

    @api.model
    def _ensure_keyring(self):
        """Create the keyring if there is none (called at install)."""
        if self.env["ir.config_parameter"].sudo().get_param(KEYRING_PARAM):
            return self._get_keyring()
        kid = tokens.generate_key_id()
        return self._store_keyring(tokens.Keyring({kid: tokens.generate_key()}, kid))

    @api.model
    def _rotate_signing_key(self, keep=3):
        """Sign new tokens with a fresh key; keep ``keep`` keys in all for verification."""
        return self._store_keyring(self._get_keyring().rotated(keep=keep))

    @api.model
    def _sign_token(self, purpose, payload, ttl=None):
        """A signed token for ``purpose`` carrying ``payload``; see ``tools.tokens.sign``."""
        return tokens.sign(payload, self._get_keyring(), purpose, ttl=ttl)

    @api.model
    def _verify_token(self, purpose, token):
        """The payload of ``token``; raises a ``tools.tokens.TokenError`` subclass if refused."""
        return tokens.verify(token, self._get_keyring(), purpose)

    @api.model
    def _get_purpose_key(self, purpose):
        """A key derived from the current signing key for one purpose (rotating codes)."""
        keyring = self._get_keyring()
        return hmac.new(keyring.keys[keyring.current], purpose.encode(), hashlib.sha256).digest()
