# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WeChat Pay v3 signatures and encrypted resources, checked where ``wechatpayv3`` falls short.

Plain Python, no ORM. The RSA and AES primitives are the ``wechatpayv3`` package's own
(:func:`wechatpayv3.utils.rsa_verify`, :func:`~wechatpayv3.utils.aes_decrypt`); this
module adds what the package does not do:

- the verification key is chosen here from the ``Wechatpay-Serial`` header among the
  keys configured locally (the WeChat Pay public key by its id, or a platform
  certificate by its serial), never downloaded during a verification;
- a missing or unknown ``Wechatpay-Signature-Type``, a non-hex serial or a missing
  header fails the verification instead of raising;
- timestamps more than five minutes away from now are refused;
- a downloaded bill is compared with the SHA1 WeChat gives;
- an encrypted bill (a sub-merchant's fund-flow bill) is decrypted.
"""

import hashlib
import hmac
import json
import time

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3.utils import aes_decrypt, load_private_key, load_public_key, rsa_decrypt, rsa_verify

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
BILL_ALGORITHM = "AEAD_AES_256_GCM"  # of the encrypted bills (sub-merchant fund-flow bills)
MAX_AGE = 300  # seconds; the official SDKs refuse older (or later) timestamps
HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial")


class SignatureError(Exception):
    """A notice or an answer that is not WeChat Pay's: never applied."""


class KeyRing:
    """The keys WeChat Pay signs with, by the serial that names them."""

    def __init__(self, public_key=None, public_key_id=None, certificates=None):
        self._keys = {}
        if public_key and public_key_id:
            self._keys[public_key_id.strip()] = load_public_key(public_key)
        if certificates and certificates.strip():
            for cert in x509.load_pem_x509_certificates(certificates.strip().encode()):
                self._keys[format(cert.serial_number, "X")] = cert.public_key()

    def __bool__(self):
        return bool(self._keys)

    def get(self, serial):
        """The key ``serial`` names (public key id as is, certificate serial in any case)."""
        serial = (serial or "").strip()
        if serial in self._keys:
            return self._keys[serial]
        if serial.startswith("PUB_KEY_ID_"):
            return None
        return self._keys.get(serial.upper().lstrip("0") or "0")

    def serials(self):
        return set(self._keys)


def header(headers, name):
    """A header whatever the case of its name (werkzeug, requests or a plain dict)."""
    value = headers.get(name)
    if value is None:
        lower = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lower), None)
    return value


def verify(keyring, headers, body, now=None, max_age=MAX_AGE):
    """Check that ``body`` (str) with ``headers`` was signed by WeChat Pay.

    :raise SignatureError: missing header, unknown serial or algorithm, stale
        timestamp or bad signature
    """
    values = {name: header(headers, name) for name in HEADERS}
    if not all(values.values()):
        raise SignatureError("missing signature headers")
    if header(headers, "Wechatpay-Signature-Type") != SIGNATURE_TYPE:
        raise SignatureError("unsupported signature type")
    key = keyring.get(values["Wechatpay-Serial"])
    if key is None:
        raise SignatureError("unknown serial")
    try:
        timestamp = int(values["Wechatpay-Timestamp"])
    except ValueError as exc:
        raise SignatureError("bad timestamp") from exc
    if abs((time.time() if now is None else now) - timestamp) > max_age:
        raise SignatureError("stale timestamp")
    if not rsa_verify(
        values["Wechatpay-Timestamp"], values["Wechatpay-Nonce"], body, values["Wechatpay-Signature"], key
    ):
        raise SignatureError("bad signature")
    return True


def decrypt_resource(resource, apiv3_key):
    """The decrypted ``resource`` of a notice (AEAD_AES_256_GCM), as a dict.

    :raise SignatureError: unsupported algorithm or the tag does not match
    """
    if not isinstance(resource, dict) or resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise SignatureError("unsupported resource")
    if not (resource.get("nonce") and resource.get("ciphertext")):
        raise SignatureError("incomplete resource")
    try:
        plain = aes_decrypt(
            nonce=resource["nonce"],
            ciphertext=resource["ciphertext"],
            associated_data=resource.get("associated_data") or "",
            apiv3_key=apiv3_key,
        )
    except ValueError as exc:
        raise SignatureError("undecryptable resource") from exc
    if plain is None:
        raise SignatureError("undecryptable resource")
    try:
        return json.loads(plain)
    except ValueError as exc:
        raise SignatureError("resource is not JSON") from exc


def parse_notice(keyring, apiv3_key, headers, body, now=None):
    """Verify, then decrypt a notice: ``(envelope, resource)``.

    :param str body: the raw body, as received
    :raise SignatureError: anything that makes it not WeChat Pay's
    """
    verify(keyring, headers, body, now=now)
    try:
        envelope = json.loads(body)
    except ValueError as exc:
        raise SignatureError("body is not JSON") from exc
    if not isinstance(envelope, dict) or not envelope.get("id") or envelope.get("resource_type") != "encrypt-resource":
        raise SignatureError("not a notice")
    return envelope, decrypt_resource(envelope.get("resource"), apiv3_key)


def check_sha1(data, expected):
    """Whether ``data`` (bytes) has the SHA1 ``expected`` (hex, any case)."""
    return bool(expected) and hmac.compare_digest(hashlib.sha1(data).hexdigest(), expected.strip().lower())


def sha1_hex(data):
    """The SHA1 of ``data`` (bytes) in lower-case hex."""
    return hashlib.sha1(data).hexdigest()


def decrypt_bill(ciphertext, encrypt_key, nonce, private_key_pem):
    """An encrypted bill file in clear (bytes): a sub-merchant's fund-flow bill.

    WeChat Pay encrypts the file with AES-256-GCM under a key of its own (no associated
    data) and sends that key encrypted with the merchant certificate's public key
    (RSA-OAEP, base64: ``encrypt_key``) next to the ``nonce``. The file itself is
    binary, not base64.

    :raise SignatureError: the key or the file cannot be decrypted (wrong key, tampered file)
    """
    if not (encrypt_key and nonce and ciphertext):
        raise SignatureError("incomplete encrypted bill")
    try:
        private_key = load_private_key(private_key_pem)
    except Exception as exc:  # wechatpayv3 raises a bare Exception on a key it cannot read
        raise SignatureError("unreadable merchant key") from exc
    try:
        key = rsa_decrypt(encrypt_key, private_key).encode()
        return AESGCM(key).decrypt(nonce.encode(), ciphertext, b"")
    except (InvalidTag, ValueError, TypeError) as exc:
        raise SignatureError("undecryptable bill") from exc
