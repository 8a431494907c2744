# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed tokens: plain-Python helper, then the ORM service around it."""

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, TransactionCase, tagged

from odoo.addons.city_base.tools import tokens
from odoo.addons.city_base.tools.tokens import (
    BadSignature,
    ExpiredToken,
    Keyring,
    MalformedToken,
    TokenError,
    UnknownKey,
)

NOW = 1_800_000_000


def keyring():
    return Keyring({"k1": b"k" * 32}, "k1")


@tagged("post_install", "-at_install")
class TestTokens(BaseCase):
    def test_roundtrip(self):
        ring = keyring()
        token = tokens.sign({"ticket": 42, "名": "茶"}, ring, "ticket", ttl=60, now=NOW)
        self.assertEqual(tokens.verify(token, ring, "ticket", now=NOW + 59), {"ticket": 42, "名": "茶"})

    def test_expiry(self):
        ring = keyring()
        token = tokens.sign({"t": 1}, ring, "ticket", ttl=60, now=NOW)
        with self.assertRaises(ExpiredToken):
            tokens.verify(token, ring, "ticket", now=NOW + 60)
        # No ttl: never expires.
        token = tokens.sign({"t": 1}, ring, "ticket", now=NOW)
        self.assertEqual(tokens.verify(token, ring, "ticket", now=NOW + 10**9), {"t": 1})

    def test_altered_payload_or_signature_is_refused(self):
        ring = keyring()
        token = tokens.sign({"t": 1}, ring, "ticket", now=NOW)
        kid, payload, signature = token.split(".")
        forged_payload = tokens._b64encode(b'{"t":2}')
        with self.assertRaises(BadSignature):
            tokens.verify(f"{kid}.{forged_payload}.{signature}", ring, "ticket")
        flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
        with self.assertRaises(BadSignature):
            tokens.verify(f"{kid}.{payload}.{flipped}", ring, "ticket")

    def test_purpose_is_bound(self):
        ring = keyring()
        token = tokens.sign({"m": 7}, ring, "member", now=NOW)
        with self.assertRaises(BadSignature):
            tokens.verify(token, ring, "ticket")

    def test_forged_with_other_key(self):
        mine, theirs = keyring(), Keyring({"k1": b"x" * 32}, "k1")
        with self.assertRaises(BadSignature):
            tokens.verify(tokens.sign({"t": 1}, theirs, "ticket"), mine, "ticket")

    def test_rotation(self):
        ring = keyring()
        old_token = tokens.sign({"t": 1}, ring, "ticket")
        ring2 = ring.rotated(keep=2)
        self.assertNotEqual(ring2.current, ring.current)
        self.assertEqual(tokens.verify(old_token, ring2, "ticket"), {"t": 1})
        new_token = tokens.sign({"t": 2}, ring2, "ticket")
        self.assertTrue(new_token.startswith(ring2.current + "."))
        ring3 = ring2.rotated(keep=2)
        with self.assertRaises(UnknownKey):
            tokens.verify(old_token, ring3, "ticket")
        self.assertEqual(tokens.verify(new_token, ring3, "ticket"), {"t": 2})

    def test_constant_time_comparison(self):
        ring = keyring()
        token = tokens.sign({"t": 1}, ring, "ticket")
        with patch.object(tokens.hmac, "compare_digest", wraps=tokens.hmac.compare_digest) as compare:
            tokens.verify(token, ring, "ticket")
        compare.assert_called_once()

    def test_malformed(self):
        ring = keyring()
        for bad in ("", "a.b", "a.b.c.d", "k1..sig", "k1.!!!.abc", "../../etc.x.y", None, 42, "x" * 5000):
            with self.subTest(token=bad), self.assertRaises(TokenError):
                tokens.verify(bad, ring, "ticket")
        with self.assertRaises(UnknownKey):
            tokens.verify("zz.e30.abc", ring, "ticket")
        with self.assertRaises(MalformedToken):
            tokens.verify("k1.e30.a*c", ring, "ticket")

    @settings(max_examples=2000, deadline=None)
    @given(st.text(max_size=300))
    def test_garbage_only_raises_token_errors(self, text):
        with self.assertRaises(TokenError):
            tokens.verify(text, keyring(), "ticket")

    def test_weak_keys_are_refused(self):
        with self.assertRaises(ValueError):
            Keyring({"k1": b"short"}, "k1")
        with self.assertRaises(ValueError):
            Keyring({"k 1": b"k" * 32}, "k 1")

    def test_rotating_code(self):
        key = b"r" * 32
        code = tokens.rotating_code(key, "ticket-1", step=30, now=NOW)
        self.assertEqual(len(code), 6)
        self.assertEqual(code, tokens.rotating_code(key, "ticket-1", step=30, now=NOW + 29 - NOW % 30))
        self.assertTrue(tokens.check_rotating_code(key, "ticket-1", code, now=NOW + 30))
        self.assertFalse(tokens.check_rotating_code(key, "ticket-1", code, now=NOW + 300))
        self.assertFalse(tokens.check_rotating_code(key, "ticket-2", code, now=NOW))
        self.assertFalse(tokens.check_rotating_code(key, "ticket-1", "12ab56", now=NOW))


@tagged("post_install", "-at_install")
class TestTokenService(TransactionCase):
    def test_service_sign_verify_rotate(self):
        service = self.env["city.token.service"]
        token = service._sign_token("ticket", {"t": 5}, ttl=3600)
        self.assertEqual(service._verify_token("ticket", token), {"t": 5})
        service._rotate_signing_key(keep=2)
        self.assertEqual(service._verify_token("ticket", token), {"t": 5}, "old tokens survive one rotation")
        service._rotate_signing_key(keep=2)
        with self.assertRaises(UnknownKey):
            service._verify_token("ticket", token)

    def test_keyring_is_a_system_secret(self):
        user = self.env["res.users"].create({"name": "Plain", "login": "city_plain_user"})
        param = self.env["ir.config_parameter"].with_user(user)
        with self.assertRaises(AccessError):
            param.search([("key", "=", "city_base.signing_keyring")]).read(["value"])
        self.assertTrue(self.env["ir.config_parameter"].sudo().get_param("city_base.signing_keyring"))
