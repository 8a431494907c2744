# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A fake WeChat Pay v3 server on 127.0.0.1, with real crypto (for tests only).

It generates a merchant key pair (the suite signs its requests with it), a "WeChat"
key pair published as a WeChat Pay public key (``PUB_KEY_ID_…``) and a legacy
platform certificate of its own, checks the merchant's ``Authorization`` signature on
every request, signs every answer with the WeChat key, and builds notices (signed,
resource encrypted with AES-256-GCM under the APIv3 key) exactly as WeChat Pay does.

Endpoints: JSAPI prepay (direct and partner), query and close (direct and partner),
refunds (idempotent per ``out_refund_no``), trade and fund-flow bills with their
SHA1 and an unsigned download; profit sharing (receivers added with the name
decrypted by the WeChat key, orders idempotent per ``out_order_no`` within the 30 %
cap and 50 requests, unfreeze (refused when nothing is left frozen), returns per ``out_return_no``, the profit-sharing
bill). A payment with ``settle_info.profit_sharing`` is frozen: a refund takes the
frozen funds first, then the sub-merchant's balance (released and returned money),
and is refused when they do not cover it. With ``fee_ratio`` WeChat's fee is taken
from a frozen payment first (frozen = paid − fee: shares and the unfreeze cannot
exceed it, ``NOT_ENOUGH``) and given back pro rata on refunds. Reusable by the top-level tests::

    fake = FakeWechatPay().start()
    provider.write(fake.provider_vals())
    ...
    headers, body = fake.notice("TRANSACTION.SUCCESS", fake.pay("S00042-1"))
    fake.stop()
"""

import base64
import datetime
import gzip
import hashlib
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

AUTH_RE = re.compile(r'(\w+)="([^"]*)"')


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key):
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_sign(key, message):
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_decrypt(key, ciphertext):
    """What wechatpayv3 encrypted with the WeChat Pay public key (RSA-OAEP, SHA-1)."""
    plain = key.decrypt(
        base64.b64decode(ciphertext),
        padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
    )
    return plain.decode()


def rsa_check(public_key, message, signature):
    try:
        public_key.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True


class FakeWechatPay:
    """The fake server and the keys of one merchant account."""

    def __init__(self, mchid="1900000109", appid="wxd678efh567hg6787", sub_mchid="1900000888"):
        self.mchid = mchid
        self.appid = appid
        self.sub_mchid = sub_mchid
        self.sub_appid = "wxsubappid00000001"
        self.apiv3_key = uuid.uuid4().hex  # 32 characters
        self.merchant_key = _new_key()
        self.merchant_serial = uuid.uuid4().hex.upper()
        self.wechat_key = _new_key()
        self.public_key_id = "PUB_KEY_ID_0119" + uuid.uuid4().hex[:20].upper()
        self.cert_key = _new_key()
        self.certificate = self._self_signed(self.cert_key)
        self.cert_serial = format(self.certificate.serial_number, "X")
        self.orders = {}
        self.refunds = {}
        self.bills = {}
        self.bill_sha1_mode = "right"  # "wrong": the bill answers state a SHA1 the file does not have
        self.bill_errors = {}  # (kind, bill_date) -> (status, code): WeChat's answer for that bill
        self.requests = []
        # Endpoints other test helpers plug in, both run under the lock:
        # - at one fixed path: (method, path) -> handler(fake, query, data) -> (status, answer)
        #   (fake_wechatpay_sub_bills.py, city_wechatpay_mall's fake_mall.py);
        # - at paths with parameters: callables ``(fake, method, path, query, data) ->
        #   (status, answer) | None``, None when the path is not theirs (fake_wechatpay_combine.py).
        self.extra_routes = {}
        self.routes = []
        self.refund_status = "PROCESSING"
        self.receivers = {}  # (sub_mchid, account) -> {"type", "relation_type", "name" (decrypted)}
        self.shares = {}  # out_order_no -> answer
        self.returns = {}  # out_return_no -> answer
        self.share_state = "FINISHED"  # "PROCESSING": shares answered as being processed
        self.max_ratio = 3000  # the sub-merchants' cap (1/10000)
        # WeChat Pay's fee rate (1/10000, e.g. 60 = 0.6 %): taken from a frozen payment before
        # sharing (frozen = paid − fee, rounded half up), given back pro rata on refunds
        self.fee_ratio = 0
        self.fail_next = {}  # path -> HTTP status of its next answer (WeChat Pay unavailable once)
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    @staticmethod
    def _self_signed(key):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (fake)")])
        now = datetime.datetime.now(datetime.timezone.utc)
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )

    # ------------------------------------------------------------ setup
    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def provider_vals(self, mode="direct", certificates=False):
        """The credentials a provider needs to talk to this server."""
        vals = {
            "wechatpay_mode": mode,
            "wechatpay_mchid": self.mchid,
            "wechatpay_appid": self.appid,
            "wechatpay_cert_serial_no": self.merchant_serial,
            "wechatpay_private_key": _private_pem(self.merchant_key),
            "wechatpay_apiv3_key": self.apiv3_key,
            "wechatpay_public_key_id": self.public_key_id,
            "wechatpay_public_key": _public_pem(self.wechat_key),
            "wechatpay_sub_mchid": self.sub_mchid if mode == "partner" else False,
            "wechatpay_platform_certificates": (
                self.certificate.public_bytes(serialization.Encoding.PEM).decode() if certificates else False
            ),
        }
        return vals

    # ------------------------------------------------------------ signing
    def signed_headers(self, body, serial=None, timestamp=None, key=None):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = uuid.uuid4().hex
        if key is None:
            key = self.cert_key if (serial or "").upper() == self.cert_serial else self.wechat_key
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": serial or self.public_key_id,
            "Wechatpay-Signature": rsa_sign(key, f"{timestamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def encrypt(self, data, associated_data="transaction"):
        nonce = uuid.uuid4().hex[:12]
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(data, ensure_ascii=False).encode(), associated_data.encode()
        )
        return {
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "nonce": nonce,
            "associated_data": associated_data,
            "original_type": associated_data,
        }

    def notice(self, event_type, resource, notice_id=None, **sign_kwargs):
        """``(headers, body)`` of a notice as WeChat Pay sends it."""
        envelope = {
            "id": notice_id or str(uuid.uuid4()),
            "create_time": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if event_type.startswith("TRANSACTION") else "退款成功",
            "resource": self.encrypt(resource, "transaction" if event_type.startswith("TRANSACTION") else "refund"),
        }
        body = json.dumps(envelope, ensure_ascii=False)
        return self.signed_headers(body, **sign_kwargs), body

    # ------------------------------------------------------------ state
    def pay(self, out_trade_no, **overrides):
        """The member pays the prepaid order: its transaction resource (for a notice)."""
        with self.lock:
            order = self.orders[out_trade_no]
            order["trade_state"] = "SUCCESS"
            order.setdefault("transaction_id", "42000" + uuid.uuid4().hex[:23].upper())
            order["success_time"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
            resource = self._transaction(order)
        resource.update(overrides)
        return resource

    def refund_resource(self, out_refund_no, status="SUCCESS", **overrides):
        """WeChat Pay finishes a refund: its refund resource (for a notice)."""
        with self.lock:
            refund = self.refunds[out_refund_no]
            refund["status"] = status
            resource = {
                "mchid": refund["mchid"],
                "out_trade_no": refund["out_trade_no"],
                "transaction_id": refund["transaction_id"],
                "out_refund_no": out_refund_no,
                "refund_id": refund["refund_id"],
                "refund_status": status,
                "amount": refund["amount"],
            }
            if refund.get("sub_mchid"):
                resource.update(sp_mchid=refund["mchid"], sub_mchid=refund["sub_mchid"])
                del resource["mchid"]
        resource.update(overrides)
        return resource

    def platform_refund(self, out_trade_no, amount_fen, out_refund_no=None):
        """A refund made on WeChat's merchant platform (not from Odoo)."""
        out_refund_no = out_refund_no or "MP" + uuid.uuid4().hex[:16]
        with self.lock:
            order = self.orders[out_trade_no]
            self.refunds[out_refund_no] = {
                "mchid": order.get("mchid") or order.get("sp_mchid"),
                "sub_mchid": order.get("sub_mchid"),
                "out_trade_no": out_trade_no,
                "transaction_id": order["transaction_id"],
                "refund_id": "50300" + uuid.uuid4().hex[:20],
                "amount": {
                    "total": order["amount"]["total"],
                    "refund": amount_fen,
                    "payer_total": order["amount"]["total"],
                    "payer_refund": amount_fen,
                    "currency": "CNY",
                },
                "status": "PROCESSING",
            }
            if order.get("settle_info", {}).get("profit_sharing"):
                assert self._take_refund(order, amount_fen), "可退金额不足，请先分账回退"
        return self.refund_resource(out_refund_no)

    def add_bill(self, kind, bill_date, content):
        """Publish a bill (bytes) for ``kind`` (tradebill / fundflowbill) and date (``YYYY-MM-DD``)."""
        token = uuid.uuid4().hex
        self.bills[(kind, bill_date)] = token
        self.bills[token] = content

    def bill_requests(self, kind=None):
        """The bill dates asked for, in order: ``[(kind, bill_date, query)]``."""
        found = []
        for method, full_path, _body in list(self.requests):
            split = urlsplit(full_path)
            name = split.path.rsplit("/", 1)[-1]
            if method == "GET" and name in ("tradebill", "fundflowbill") and (kind is None or name == kind):
                query = {k: v[0] for k, v in parse_qs(split.query).items()}
                found.append((name, query.get("bill_date"), query))
        return found

    def _transaction(self, order):
        data = {
            "out_trade_no": order["out_trade_no"],
            "trade_state": order["trade_state"],
            "trade_state_desc": order["trade_state"],
            "trade_type": "JSAPI",
            "amount": {
                "total": order["amount"]["total"],
                "payer_total": order["amount"]["total"],
                "currency": order["amount"].get("currency", "CNY"),
                "payer_currency": "CNY",
            },
        }
        for key in ("appid", "mchid", "sp_appid", "sp_mchid", "sub_mchid", "sub_appid", "attach"):
            if order.get(key):
                data[key] = order[key]
        if order["trade_state"] == "SUCCESS":
            data.update(
                transaction_id=order["transaction_id"],
                success_time=order["success_time"],
                payer=order["payer"],
                bank_type="OTHERS",
            )
        return data

    # ------------------------------------------------------------ HTTP
    def _answer(self, handler, status, data=None, sign=True):
        body = "" if data is None else json.dumps(data, ensure_ascii=False)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        if sign and 200 <= status < 300:
            for key, value in self.signed_headers(body).items():
                handler.send_header(key, value)
        raw = body.encode()
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)

    def _check_auth(self, handler, method, path, body):
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        fields = dict(AUTH_RE.findall(auth))
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial:
            return False
        if abs(time.time() - int(fields.get("timestamp", "0"))) > 300:
            return False
        message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body}\n"
        return rsa_check(self.merchant_key.public_key(), message, fields.get("signature", ""))

    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        split = urlsplit(handler.path)
        path, query = split.path, {k: v[0] for k, v in parse_qs(split.query).items()}
        self.requests.append((method, handler.path, body))
        if path == "/v3/billdownload/file":  # the download is not signed, nor needs to be
            content = self.bills.get(query.get("token"))
            if content is not None and query.get("tar_type") == "GZIP":
                content = gzip.compress(content)
            handler.send_response(200 if content is not None else 404)
            handler.send_header("Content-Type", "application/octet-stream")
            handler.send_header("Content-Length", str(len(content or b"")))
            handler.end_headers()
            handler.wfile.write(content or b"")
            return
        if not self._check_auth(handler, method, handler.path, body):
            return self._answer(handler, 401, {"code": "SIGN_ERROR", "message": "签名错误"})
        data = json.loads(body) if body else {}
        if path in self.fail_next:
            return self._answer(handler, self.fail_next.pop(path), {"code": "SYSTEM_ERROR", "message": "系统繁忙"})
        try:
            status, answer = self._route(method, path, query, data)
        except KeyError:
            status, answer = 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
        return self._answer(handler, status, answer)

    def _route(self, method, path, query, data):
        with self.lock:
            if method == "POST" and path in ("/v3/pay/transactions/jsapi", "/v3/pay/partner/transactions/jsapi"):
                partner = "partner" in path
                if partner and (data.get("sp_mchid") != self.mchid or not data.get("sub_mchid")):
                    return 400, {"code": "PARAM_ERROR", "message": "sp_mchid"}
                if not partner and data.get("mchid") != self.mchid:
                    return 400, {"code": "PARAM_ERROR", "message": "mchid"}
                order = self.orders.get(data["out_trade_no"])
                if order and order["amount"]["total"] != data["amount"]["total"]:
                    return 400, {"code": "INVALID_REQUEST", "message": "订单号重复"}
                if not order:
                    order = dict(data, trade_state="NOTPAY", prepay_id="wx" + uuid.uuid4().hex[:30])
                    self.orders[data["out_trade_no"]] = order
                return 200, {"prepay_id": order["prepay_id"]}
            match = re.fullmatch(r"/v3/pay(/partner)?/transactions/out-trade-no/([^/]+)(/close)?", path)
            if match:
                order = self.orders[match.group(2)]
                if match.group(3):
                    if order["trade_state"] == "SUCCESS":
                        return 400, {"code": "ORDERPAID", "message": "订单已支付"}
                    order["trade_state"] = "CLOSED"
                    return 204, None
                return 200, self._transaction(order)
            if method == "POST" and path == "/v3/refund/domestic/refunds":
                order = self.orders[data["out_trade_no"]]
                if order["trade_state"] != "SUCCESS":
                    return 400, {"code": "INVALID_REQUEST", "message": "订单未支付"}
                refund = self.refunds.get(data["out_refund_no"])
                if refund and refund["amount"]["refund"] != data["amount"]["refund"]:
                    return 400, {"code": "INVALID_REQUEST", "message": "退款单号重复"}
                refunded = sum(
                    r["amount"]["refund"]
                    for no, r in self.refunds.items()
                    if r["out_trade_no"] == data["out_trade_no"] and no != data["out_refund_no"]
                )
                if refunded + data["amount"]["refund"] > order["amount"]["total"]:
                    return 400, {"code": "NOT_ENOUGH", "message": "退款金额超过订单金额"}
                if not refund and order.get("settle_info", {}).get("profit_sharing"):
                    if not self._take_refund(order, data["amount"]["refund"]):
                        return 400, {"code": "NOT_ENOUGH", "message": "可退金额不足，请先分账回退"}
                if not refund:
                    refund = {
                        "mchid": self.mchid,
                        "sub_mchid": data.get("sub_mchid"),
                        "out_trade_no": data["out_trade_no"],
                        "transaction_id": order["transaction_id"],
                        "refund_id": "50300" + uuid.uuid4().hex[:20],
                        "amount": {
                            "total": data["amount"]["total"],
                            "refund": data["amount"]["refund"],
                            "payer_total": data["amount"]["total"],
                            "payer_refund": data["amount"]["refund"],
                            "currency": data["amount"]["currency"],
                        },
                        "status": self.refund_status,
                    }
                    self.refunds[data["out_refund_no"]] = refund
                return 200, {
                    "refund_id": refund["refund_id"],
                    "out_refund_no": data["out_refund_no"],
                    "transaction_id": refund["transaction_id"],
                    "out_trade_no": refund["out_trade_no"],
                    "status": refund["status"],
                    "amount": refund["amount"],
                }
            if path.startswith("/v3/profitsharing/") and path != "/v3/profitsharing/bills":
                return self._profitsharing(method, path, query, data)
            if method == "GET" and path in ("/v3/bill/tradebill", "/v3/bill/fundflowbill", "/v3/profitsharing/bills"):
                kind = path.rsplit("/", 1)[1]
                kind = "profitsharingbill" if kind == "bills" else kind
                if (kind, query.get("bill_date")) in self.bill_errors:
                    status, code = self.bill_errors[(kind, query.get("bill_date"))]
                    return status, {"code": code, "message": code}
                token = self.bills.get((kind, query.get("bill_date")))
                if not token:
                    return 400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"}
                # The SHA1 is of the bill itself (a GZIP download is compared once decompressed).
                content = self.bills[token] + (b"tampered" if self.bill_sha1_mode == "wrong" else b"")
                tar = "&tar_type=GZIP" if query.get("tar_type") == "GZIP" else ""
                return 200, {
                    "hash_type": "SHA1",
                    "hash_value": hashlib.sha1(content).hexdigest(),
                    "download_url": f"{self.url}/v3/billdownload/file?token={token}{tar}",
                }
            if (method, path) in self.extra_routes:
                return self.extra_routes[(method, path)](self, query, data)
            for route in self.routes:
                answer = route(self, method, path, query, data)
                if answer is not None:
                    return answer
        raise KeyError(path)

    # ------------------------------------------------------------ profit sharing
    def _ps_order(self, transaction_id):
        for order in self.orders.values():
            if order.get("transaction_id") == transaction_id:
                return order
        raise KeyError(transaction_id)

    def _ps_account(self, order):
        """A frozen payment's funds: WeChat Pay took its fee (``fee``) before anything is
        shared; ``frozen`` is what shares and the unfreeze may take."""
        if "ps" not in order:
            total = order["amount"]["total"]
            fee = (total * self.fee_ratio + 5000) // 10000
            order["ps"] = {"frozen": total - fee, "balance": 0, "shared": 0, "requests": 0, "fee": fee}
        return order["ps"]

    def _take_refund(self, order, amount):
        """A refund: WeChat Pay gives back its fee pro rata, the rest comes from the frozen
        funds, then from the sub-merchant's balance (released and returned money)."""
        account = self._ps_account(order)
        total, fee = order["amount"]["total"], account["fee"]
        refunded = account.get("refunded", 0)
        fee_back = (fee * (refunded + amount) * 2 + total) // (2 * total) - (fee * refunded * 2 + total) // (2 * total)
        take = amount - fee_back
        if take > account["frozen"] + account["balance"]:
            return False
        from_frozen = min(take, account["frozen"])
        account["frozen"] -= from_frozen
        account["balance"] -= take - from_frozen
        account["refunded"] = refunded + amount
        return True

    def _profitsharing(self, method, path, query, data):
        if path == "/v3/profitsharing/receivers/add":
            if data.get("sub_mchid") is None or not data.get("name"):
                return 400, {"code": "PARAM_ERROR", "message": "sub_mchid, name"}
            name = rsa_decrypt(self.wechat_key, data["name"])
            self.receivers[(data["sub_mchid"], data["account"])] = {
                "type": data["type"],
                "relation_type": data["relation_type"],
                "name": name,
            }
            return 200, {"sub_mchid": data["sub_mchid"], "type": data["type"], "account": data["account"]}
        if method == "POST" and path in ("/v3/profitsharing/orders", "/v3/profitsharing/orders/unfreeze"):
            return self._ps_share(data, unfreeze_only=path.endswith("unfreeze"))
        match = re.fullmatch(r"/v3/profitsharing/orders/([^/]+)", path)
        if method == "GET" and match:
            answer = self.shares[match.group(1)]
            answer["state"] = "FINISHED"
            for receiver in answer["receivers"]:
                receiver["result"] = "SUCCESS"
            return 200, answer
        if method == "POST" and path == "/v3/profitsharing/return-orders":
            return self._ps_return(data)
        raise KeyError(path)

    def _ps_share(self, data, unfreeze_only=False):
        if data["out_order_no"] in self.shares:
            return 200, self.shares[data["out_order_no"]]
        order = self._ps_order(data["transaction_id"])
        if order.get("sub_mchid") != data.get("sub_mchid") or not order.get("settle_info", {}).get("profit_sharing"):
            return 400, {"code": "INVALID_REQUEST", "message": "订单不需要分账"}
        account = self._ps_account(order)
        receivers = [] if unfreeze_only else data["receivers"]
        amount = sum(r["amount"] for r in receivers)
        if account.get("closed"):
            return 400, {"code": "INVALID_REQUEST", "message": "订单已解冻"}
        if account["requests"] >= 50:
            return 400, {"code": "INVALID_REQUEST", "message": "分账次数超过限制"}
        for receiver in receivers:
            if (order["sub_mchid"], receiver["account"]) not in self.receivers:
                return 400, {"code": "RECEIVER_INVALID", "message": "分账接收方未添加"}
        if account["shared"] + amount > order["amount"]["total"] * self.max_ratio // 10000:
            return 400, {"code": "INVALID_REQUEST", "message": "分账金额超出最大分账比例"}
        if amount > account["frozen"]:
            return 400, {"code": "NOT_ENOUGH", "message": "分账金额不足"}
        if unfreeze_only and account["frozen"] <= 0:
            # WeChat Pay unfreezes a positive remainder only
            return 400, {"code": "INVALID_REQUEST", "message": "订单剩余待分金额为0，无需解冻"}
        account["requests"] += 1
        account["frozen"] -= amount
        account["shared"] += amount
        answer_receivers = [
            dict(r, result="SUCCESS" if self.share_state == "FINISHED" else "PENDING", detail_id=uuid.uuid4().hex)
            for r in receivers
        ]
        if unfreeze_only or data.get("unfreeze_unsplit"):
            answer_receivers.append(
                {
                    "type": "MERCHANT_ID",
                    "account": order["sub_mchid"],
                    "amount": account["frozen"],
                    "description": "解冻给分账方",
                    "result": "SUCCESS",
                    "detail_id": uuid.uuid4().hex,
                }
            )
            account["balance"] += account["frozen"]
            account["frozen"] = 0
            account["closed"] = True
        answer = {
            "sub_mchid": order["sub_mchid"],
            "transaction_id": data["transaction_id"],
            "out_order_no": data["out_order_no"],
            "order_id": "3008" + uuid.uuid4().hex[:24],
            "state": self.share_state,
            "receivers": answer_receivers,
        }
        self.shares[data["out_order_no"]] = answer
        return 200, answer

    def _ps_return(self, data):
        if data["out_return_no"] in self.returns:
            return 200, self.returns[data["out_return_no"]]
        share = self.shares.get(data.get("out_order_no"))
        if not share:
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "分账单不存在"}
        paid = sum(r["amount"] for r in share["receivers"] if r["account"] == data["return_mchid"])
        returned = sum(
            r["amount"]
            for r in self.returns.values()
            if r["out_order_no"] == share["out_order_no"] and r["return_mchid"] == data["return_mchid"]
        )
        if data["amount"] > paid - returned:
            return 400, {"code": "NOT_ENOUGH", "message": "回退金额超过分账金额"}
        order = self._ps_order(share["transaction_id"])
        self._ps_account(order)["balance"] += data["amount"]
        answer = {
            "sub_mchid": share["sub_mchid"],
            "order_id": share["order_id"],
            "out_order_no": share["out_order_no"],
            "out_return_no": data["out_return_no"],
            "return_id": "3008" + uuid.uuid4().hex[:24],
            "return_mchid": data["return_mchid"],
            "amount": data["amount"],
            "description": data["description"],
            "result": "SUCCESS",
        }
        self.returns[data["out_return_no"]] = answer
        return 200, answer

    def share_requests(self):
        """The profit-sharing orders and unfreezes asked for: ``[request body]``."""
        return [
            json.loads(body)
            for method, full_path, body in list(self.requests)
            if method == "POST" and urlsplit(full_path).path.startswith("/v3/profitsharing/orders")
        ]

    def ps_notice(self, out_order_no, **overrides):
        """``(headers, body)`` of a profit-sharing notice (分账动账通知) for a share."""
        share = self.shares[out_order_no]
        resource = {
            "sp_mchid": self.mchid,
            "sub_mchid": share["sub_mchid"],
            "transaction_id": share["transaction_id"],
            "order_id": share["order_id"],
            "out_order_no": out_order_no,
            "receiver": share["receivers"][0] if share["receivers"] else {},
            "success_time": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            **overrides,
        }
        return self.notice("PROFITSHARING.SUCCESS", resource)

    def profitsharing_bill(self, transaction_ids=None):
        """WeChat Pay's profit-sharing bill (分账账单) of the shares and returns made (of
        ``transaction_ids`` only, when given) (bytes)."""
        header = (
            "分账发起时间,分账方商户号,分账出资商户号,微信订单号,微信分账/回退单号,资金流水单号,商户分账/回退单号,"
            "分账接收方类型,分账接收方,动账金额,动账类型,动账描述,备注"
        )
        rows = [header]
        now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")

        def row(out_no, order_id, receiver, amount, kind, sub_mchid, transaction_id):
            cells = [
                now,
                sub_mchid,
                sub_mchid,
                transaction_id,
                order_id,
                uuid.uuid4().hex[:20],
                out_no,
                "MERCHANT_ID",
                receiver,
                "%.2f" % (amount / 100),
                kind,
                kind,
                "",
            ]
            rows.append(",".join("`" + c for c in cells))

        shares = {
            no: share
            for no, share in self.shares.items()
            if transaction_ids is None or share["transaction_id"] in transaction_ids
        }
        for share in shares.values():
            for r in share["receivers"]:
                kind = "解冻给分账方" if r.get("description") == "解冻给分账方" else "分账"
                row(
                    share["out_order_no"],
                    share["order_id"],
                    r["account"],
                    r["amount"],
                    kind,
                    share["sub_mchid"],
                    share["transaction_id"],
                )
        for ret in self.returns.values():
            if ret["out_order_no"] not in shares:
                continue
            row(
                ret["out_return_no"], ret["return_id"], ret["return_mchid"], ret["amount"], "回退", ret["sub_mchid"], ""
            )
        rows.append("总条数")
        rows.append("`%d" % (len(rows) - 2))
        return ("\n".join(rows) + "\n").encode()
