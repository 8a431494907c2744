# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed, expiring tokens (HMAC-SHA256) with key rotation.

A token is ``<key id>.<payload>.<signature>``: the payload is compact JSON in
unpadded base64url, the signature an HMAC-SHA256 over the purpose, the key id
and the payload. The purpose (``"ticket"``, ``"member"``, …) is signed but not
carried, so a token minted for one purpose never verifies for another. Tokens
hold no secret: anybody can read the payload, nobody can forge or alter it.

Keys rotate: a :class:`Keyring` signs with its current key and verifies with
any key it still holds, so tokens signed before a rotation stay valid until
the old key is dropped.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import struct
import time

MIN_KEY_BYTES = 32
MAX_TOKEN_LENGTH = 4096
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class TokenError(ValueError):
    """A token that must be refused; ``code`` says why, for API error bodies."""

    code = "invalid_token"


class MalformedToken(TokenError):
    code = "malformed_token"


class UnknownKey(TokenError):
    code = "unknown_key"


class BadSignature(TokenError):
    code = "bad_signature"


class ExpiredToken(TokenError):
    code = "expired_token"


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text):
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise MalformedToken("token contains characters outside base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedToken("token is not valid base64url") from exc


def generate_key():
    """A new random signing key (32 bytes)."""
    return secrets.token_bytes(MIN_KEY_BYTES)


def generate_key_id():
    """A new random key id (8 hex characters)."""
    return secrets.token_hex(4)


class Keyring:
    """Signing keys by id; ``current`` names the key new tokens are signed with."""

    def __init__(self, keys, current):
        if not keys:
            raise ValueError("a keyring needs at least one key")
        for kid, key in keys.items():
            if not _KID_RE.match(kid):
                raise ValueError(f"invalid key id {kid!r}")
            if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
                raise ValueError(f"key {kid!r} must be at least {MIN_KEY_BYTES} bytes")
        if current not in keys:
            raise ValueError(f"current key {current!r} is not in the keyring")
        self.keys = dict(keys)
        self.current = current

    def rotated(self, keep=2):
        """A new keyring with a fresh current key and at most ``keep`` older keys."""
        if keep < 1:
            raise ValueError("a keyring keeps at least its current key")
        kid = generate_key_id()
        # Dict order is age order: keep the newest keep - 1 keys, then add the new one.
        keys = {k: self.keys[k] for k in [k for k in self.keys if k != self.current][-max(keep - 2, 0) :] if keep > 2}
        if keep > 1:
            keys[self.current] = self.keys[self.current]
        keys[kid] = generate_key()
        return Keyring(keys, kid)


def _mac(key, purpose, kid, payload_b64):
    message = b".".join((purpose.encode("utf-8"), kid.encode("ascii"), payload_b64.encode("ascii")))
    return hmac.new(key, message, hashlib.sha256).digest()


def sign(payload, keyring, purpose, ttl=None, now=None):
    """Sign ``payload`` (a JSON-able dict) for ``purpose``.

    :param int ttl: seconds of validity from ``now``; ``None`` for no expiry
    :param float now: the current Unix time (for tests); defaults to the clock
    :return: the token string
    """
    if not isinstance(payload, dict):
        raise TypeError("payload must be a dict")
    if "exp" in payload:
        raise ValueError("'exp' is reserved; pass ttl instead")
    body = dict(payload)
    if ttl is not None:
        now = time.time() if now is None else now
        body["exp"] = int(now) + int(ttl)
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")
    payload_b64 = _b64encode(raw)
    kid = keyring.current
    signature = _b64encode(_mac(keyring.keys[kid], purpose, kid, payload_b64))
    return f"{kid}.{payload_b64}.{signature}"


def verify(token, keyring, purpose, now=None):
    """Return the payload of ``token`` if it is authentic, unexpired and for ``purpose``.

    The signature is checked (in constant time) before anything in the payload
    is trusted or even parsed.

    :raises MalformedToken, UnknownKey, BadSignature, ExpiredToken:
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken("token is missing or too long")
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts):
        raise MalformedToken("token must have three dot-separated parts")
    kid, payload_b64, signature_b64 = parts
    if not _KID_RE.match(kid):
        raise MalformedToken("token has an invalid key id")
    key = keyring.keys.get(kid)
    if key is None:
        raise UnknownKey("token was signed with an unknown or retired key")
    signature = _b64decode(signature_b64)
    _b64decode(payload_b64)  # reject non-base64 before computing anything
    if not hmac.compare_digest(signature, _mac(key, purpose, kid, payload_b64)):
        raise BadSignature("token signature does not match")
    try:
        body = json.loads(_b64decode(payload_b64).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # signed by us, so only on key misuse
        raise MalformedToken("token payload is not JSON") from exc
    if not isinstance(body, dict):
        raise MalformedToken("token payload is not an object")
    exp = body.pop("exp", None)
    if exp is not None:
        now = time.time() if now is None else now
        if not isinstance(exp, int) or now >= exp:
            raise ExpiredToken("token has expired")
    return body


def rotating_code(key, message, step=30, digits=6, now=None):
    """A short numeric code that changes every ``step`` seconds (HOTP over time).

    Shown next to a QR code so that a screenshot goes stale; ``message`` binds
    the code to one object (e.g. a ticket's token).
    """
    now = time.time() if now is None else now
    counter = int(now // step)
    digest = hmac.new(key, message.encode("utf-8") + struct.pack(">Q", counter), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % (10**digits)).zfill(digits)


def check_rotating_code(key, message, code, step=30, digits=6, window=1, now=None):
    """True if ``code`` is the rotating code of the current step or of ``window`` steps around it."""
    if not isinstance(code, str) or len(code) != digits or not (code.isascii() and code.isdigit()):
        return False
    now = time.time() if now is None else now
    ok = False
    for delta in range(-window, window + 1):
        expected = rotating_code(key, message, step, digits, now + delta * step)
        ok |= hmac.compare_digest(expected, code)  # no early exit: constant time over the window
    return ok
