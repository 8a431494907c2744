# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A fake WeChat mini-program API on 127.0.0.1 (for tests only).

Speaks WeChat's protocol for what the API calls: ``sns/jscode2session`` (a
login code is valid once), ``cgi-bin/token`` (each call issues a new token and
invalidates the previous one, as WeChat does),
``wxa/business/getuserphonenumber`` and ``cgi-bin/message/subscribe/send`` (check
the access token; a send is recorded in ``sent``, or refused with the next errcode
of ``send_errors``)::

    fake = FakeWechatApi().start()
    env["ir.config_parameter"].set_param("city_miniprogram_api.api_base", fake.url)
    code = fake.login_code("openid-1", unionid="union-1")
"""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

APPID = "wx0123456789abcdef"
SECRET = "fake-mini-program-secret"


class FakeWechatApi:
    def __init__(self):
        self.codes = {}  # login code -> (openid, unionid)
        self.phone_codes = {}  # phone code -> phone number
        self.token = None
        self.token_requests = 0
        self.requests = []  # (path, query) of every request, for assertions
        self.sent = []  # the body of every subscribe message accepted
        self.send_errors = []  # errcodes to answer the next sends with (-1: busy, 43101: no subscription)
        self.lock = threading.Lock()
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def login_code(self, openid, unionid=None):
        code = "code-" + secrets.token_hex(8)
        self.codes[code] = (openid, unionid)
        return code

    def phone_code(self, phone):
        code = "phone-" + secrets.token_hex(8)
        self.phone_codes[code] = phone
        return code

    def expire_token(self):
        with self.lock:
            self.token = "expired-" + secrets.token_hex(4)  # the cached one is refused from now on

    def answer(self, method, path, query, body):
        with self.lock:
            self.requests.append((path, query))
            if query.get("appid", APPID) != APPID:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            if path == "/sns/jscode2session":
                if query.get("secret") != SECRET:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                found = self.codes.pop(query.get("js_code"), None)
                if not found:
                    return {"errcode": 40029, "errmsg": "invalid code"}
                openid, unionid = found
                answer = {"openid": openid, "session_key": "SECRET-SESSION-KEY-" + secrets.token_hex(8)}
                if unionid:
                    answer["unionid"] = unionid
                return answer
            if path == "/cgi-bin/token":
                if query.get("secret") != SECRET or query.get("grant_type") != "client_credential":
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                self.token_requests += 1
                self.token = "token-" + secrets.token_hex(12)
                return {"access_token": self.token, "expires_in": 7200}
            if path == "/wxa/business/getuserphonenumber" and method == "POST":
                if not self.token or query.get("access_token") != self.token:
                    return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
                phone = self.phone_codes.pop((body or {}).get("code"), None)
                if not phone:
                    return {"errcode": 40029, "errmsg": "invalid code"}
                return {
                    "errcode": 0,
                    "errmsg": "ok",
                    "phone_info": {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86"},
                }
            if path == "/cgi-bin/message/subscribe/send" and method == "POST":
                return self._send(query, body or {})
            return {"errcode": 404, "errmsg": "unknown api"}

    def _send(self, query, body):
        if not self.token or query.get("access_token") != self.token:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict):
            return {"errcode": 47003, "errmsg": "argument invalid!"}
        if self.send_errors:
            errcode = self.send_errors.pop(0)
            return {
                "errcode": errcode,
                "errmsg": {-1: "system error", 43101: "user refuse to accept the msg"}.get(errcode, "error"),
            }
        self.sent.append(body)
        return {"errcode": 0, "errmsg": "ok", "msgid": len(self.sent)}

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                data = json.dumps(fake.answer(method, url.path, query, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
