# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sub-merchants' own fund-flow bills on the fake WeChat Pay server (for tests only).

``GET /v3/bill/sub-merchant-fundflowbill?sub_mchid=…&bill_date=…&account_type=…&algorithm=…``
answers ``{download_bill_count, download_bill_list: [{bill_sequence, download_url,
encrypt_key, nonce, hash_type, hash_value}]}``: each part of the bill is GZIP'd (when
asked), then encrypted with AES-256-GCM under a key of its own, which is sent encrypted
with the merchant certificate's public key (RSA-OAEP), as WeChat Pay does. The SHA1 is of
the bill in clear.
"""

import base64
import gzip
import hashlib
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PATH = "/v3/bill/sub-merchant-fundflowbill"


def install(fake):
    """Add the endpoint to ``fake`` (a started or not yet started ``FakeWechatPay``)."""
    fake.sub_bills = {}  # (sub_mchid, bill_date) -> [bytes, …] (the parts, in clear)
    fake.sub_bill_sha1_mode = "right"  # "wrong": the answer states a SHA1 the bill does not have
    fake.sub_bill_tamper = False  # True: the encrypted file is altered (its GCM tag fails)
    fake.extra_routes[("GET", PATH)] = _answer
    return fake


def add_sub_bill(fake, sub_mchid, bill_date, *parts):
    """Publish a sub-merchant's fund-flow bill of ``bill_date`` (``YYYY-MM-DD``), in parts."""
    fake.sub_bills[(sub_mchid, bill_date)] = list(parts)


def _encrypt_part(fake, content):
    key = uuid.uuid4().hex  # 32 characters: the AES-256 key
    nonce = uuid.uuid4().hex[:12]
    ciphertext = AESGCM(key.encode()).encrypt(nonce.encode(), content, b"")
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    encrypt_key = base64.b64encode(fake.merchant_key.public_key().encrypt(key.encode(), oaep)).decode()
    return ciphertext, encrypt_key, nonce


def _answer(fake, query, _data):
    if query.get("algorithm") != "AEAD_AES_256_GCM" or not query.get("sub_mchid"):
        return 400, {"code": "PARAM_ERROR", "message": "algorithm"}
    parts = fake.sub_bills.get((query["sub_mchid"], query.get("bill_date")))
    if parts is None:
        return 400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"}
    listing = []
    for sequence, content in enumerate(parts, start=1):
        stated = content + (b"tampered" if fake.sub_bill_sha1_mode == "wrong" else b"")
        packed = gzip.compress(content) if query.get("tar_type") == "GZIP" else content
        ciphertext, encrypt_key, nonce = _encrypt_part(fake, packed)
        token = uuid.uuid4().hex
        if fake.sub_bill_tamper:
            ciphertext = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
        fake.bills[token] = ciphertext  # served as is (already compressed, then encrypted)
        listing.append(
            {
                "bill_sequence": sequence,
                "download_url": f"{fake.url}/v3/billdownload/file?token={token}",
                "encrypt_key": encrypt_key,
                "nonce": nonce,
                "hash_type": "SHA1",
                "hash_value": hashlib.sha1(stated).hexdigest(),
            }
        )
    return 200, {"download_bill_count": len(listing), "download_bill_list": listing}
