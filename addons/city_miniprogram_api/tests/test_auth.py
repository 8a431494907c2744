# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Login through WeChat's code2session, tokens, refresh rotation, logout, phone binding, rate limits."""

import logging
import time
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.city_base.tools import tokens

from .common import MiniProgramCommon


@tagged("post_install", "-at_install")
class TestAuth(MiniProgramCommon):
    def test_login_creates_then_finds_the_member(self):
        referrer_token, _refresh, referrer = self.login("openid-referrer")
        with self.assertLogs("odoo", level=logging.DEBUG) as logs:
            status, body, _response = self.call(
                "POST",
                "/auth/login",
                {"code": self.fake.login_code("openid-new", "union-new"), "referrer_id": referrer.id},
            )
            logging.getLogger("odoo").debug("marker")
        self.assertEqual(status, 200, body)
        result = body["result"]
        self.assertTrue(result["new_member"])
        self.assertNotIn("SESSION-KEY", str(body), "the session key is never answered")
        self.assertNotIn("SESSION-KEY", "\n".join(logs.output), "nor logged")
        member = self.env["res.partner"].browse(result["member"]["id"])
        self.assertTrue(member.is_member)
        self.assertEqual(member.sudo().city_wx_openid, "openid-new")
        self.assertEqual(member.sudo().city_wx_unionid, "union-new")
        self.assertEqual(member.city_referrer_id, referrer)
        # Second login: the same member, no new partner, the referrer of a later link ignored.
        _token, _refresh, again = self.login("openid-new", referrer_id=member.id)
        self.assertEqual(again, member)
        self.assertEqual(member.city_referrer_id, referrer)
        status, me, _response = self.call("GET", "/me", token=referrer_token)
        self.assertEqual((status, me["result"]["id"]), (200, referrer.id))

    def test_refused_logins(self):
        self.assertError(self.call("POST", "/auth/login", {"code": "never-issued"}), 400, "wechat_refused")
        code = self.fake.login_code("openid-once")
        self.assertEqual(self.call("POST", "/auth/login", {"code": code})[0], 200)
        self.assertError(self.call("POST", "/auth/login", {"code": code}), 400, "wechat_refused")
        self.assertError(self.call("POST", "/auth/login", raw=b"{not json"), 400, "invalid_json")
        self.assertError(self.call("POST", "/auth/login", {"code": 12}), 400, "invalid_code")
        self.assertError(self.call("POST", "/auth/login", {"code": "x", "extra": 1}), 400, "unknown_field")
        body, _response = self.assertError(
            self.call("POST", "/auth/login", {"code": ""}, headers={"Accept-Language": "en-US"}), 400, "invalid_code"
        )
        self.assertEqual(body["error"]["message"], "Send the code of wx.login().")
        body, _response = self.assertError(self.call("POST", "/auth/login", {"code": ""}), 400, "invalid_code")
        self.assertNotEqual(body["error"]["message"], "Send the code of wx.login().", "Chinese by default")

    def test_tokens_expired_revoked_forged(self):
        token, refresh, member = self.login()
        self.assertEqual(self.call("GET", "/me", token=token)[0], 200)
        keyring = self.env["city.token.service"].sudo()._get_keyring()
        session_id = tokens.verify(token, keyring, "city_miniprogram_api.access")["s"]
        expired = tokens.sign(
            {"p": member.id, "s": session_id}, keyring, "city_miniprogram_api.access", ttl=10, now=time.time() - 3600
        )
        forged = tokens.sign(
            {"p": member.id, "s": session_id},
            tokens.Keyring({"k1": b"x" * 32}, "k1"),
            "city_miniprogram_api.access",
            ttl=3600,
        )
        other_purpose = tokens.sign({"p": member.id, "s": session_id}, keyring, "city_ticketing.ticket", ttl=3600)
        for bad in (expired, forged, other_purpose, refresh, "garbage", token[:-2] + "xx"):
            with self.subTest(token=bad[:20]):
                _body, response = self.assertError(self.call("GET", "/me", token=bad), 401, "unauthorized")
                self.assertIn("Bearer", response.headers["WWW-Authenticate"])
        self.assertError(self.call("GET", "/me"), 401, "unauthorized")
        self.assertError(self.call("GET", "/me", headers={"Authorization": f"Basic {token}"}), 401, "unauthorized")
        # Logout revokes the access token and the refresh token.
        self.assertEqual(self.call("POST", "/auth/logout", token=token)[0], 200)
        self.assertError(self.call("GET", "/me", token=token), 401, "unauthorized")
        self.assertError(self.call("POST", "/auth/refresh", {"refresh_token": refresh}), 401, "unauthorized")

    def test_refresh_rotates_and_replay_revokes(self):
        token, refresh, _member = self.login()
        status, body, _response = self.call("POST", "/auth/refresh", {"refresh_token": refresh})
        self.assertEqual(status, 200, body)
        new_access, new_refresh = body["result"]["access_token"], body["result"]["refresh_token"]
        self.assertNotEqual(new_refresh, refresh)
        self.assertEqual(self.call("GET", "/me", token=new_access)[0], 200)
        # The spent refresh token comes back (a stolen copy): the whole session ends.
        self.assertError(self.call("POST", "/auth/refresh", {"refresh_token": refresh}), 401, "unauthorized")
        self.assertError(self.call("GET", "/me", token=new_access), 401, "unauthorized")
        self.assertError(self.call("POST", "/auth/refresh", {"refresh_token": new_refresh}), 401, "unauthorized")
        self.assertError(self.call("GET", "/me", token=token), 401, "unauthorized")

    def test_login_rate_limit(self):
        self.env["ir.config_parameter"].sudo().set_param("city_miniprogram_api.rate_limit.login", "3/60")
        for _i in range(3):
            self.assertNotEqual(self.call("POST", "/auth/login", {"code": "bad"})[0], 429)
        _body, response = self.assertError(
            self.call("POST", "/auth/login", {"code": self.fake.login_code("openid-late")}), 429, "rate_limited"
        )
        self.assertTrue(1 <= int(response.headers["Retry-After"]) <= 60)
        rows = self.env["city.mp.rate.limit"].sudo().search([("key", "like", "login:ip:")])
        self.assertEqual(len(rows.mapped("window_start")), len(rows), "one row per (key, window)")

    def test_phone_binding_and_shared_access_token(self):
        token, _refresh, member = self.login()
        before = self.fake.token_requests
        status, body, _response = self.call(
            "POST", "/auth/phone", {"code": self.fake.phone_code("13800138000")}, token=token
        )
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"]["phone"], "13800138000")
        self.assertEqual(member.phone, "13800138000")
        # The access token is cached in the database: the next call does not fetch another one.
        self.call("POST", "/auth/phone", {"code": self.fake.phone_code("13900139000")}, token=token)
        self.assertEqual(self.fake.token_requests, before + 1)
        cache = self.env["city.mp.wechat.token"].sudo().search([])
        self.assertEqual(cache.access_token, self.fake.token)
        # WeChat invalidates it: refreshed once, and the call goes through.
        self.fake.expire_token()
        status, body, _response = self.call(
            "POST", "/auth/phone", {"code": self.fake.phone_code("13700137000")}, token=token
        )
        self.assertEqual((status, body["result"]["phone"]), (200, "13700137000"), body)
        self.assertEqual(self.fake.token_requests, before + 2)
        self.assertError(self.call("POST", "/auth/phone", {"code": "unknown"}, token=token), 400, "wechat_refused")
        self.assertFalse(
            [q for path, q in self.fake.requests if path == "/sns/jscode2session" and q.get("access_token")]
        )

    def test_login_re_run_does_not_spend_the_code_twice(self):
        """Odoo re-runs a request after a serialization failure: the re-run logs in with WeChat's
        first answer instead of sending the (spent) code again."""
        partners = type(self.env["res.partner"])
        original = partners._city_mp_member_from_session
        calls = []

        def conflict_once(self, *args, **kwargs):
            calls.append(args[0])
            if len(calls) == 1:  # what PostgreSQL answers a concurrent update
                self.env.cr.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'serialization_failure'; END $$")
            return original(self, *args, **kwargs)

        code = self.fake.login_code("openid-re-run")
        with patch.object(partners, "_city_mp_member_from_session", conflict_once):
            status, body, _response = self.call("POST", "/auth/login", {"code": code})
        self.assertEqual((status, calls), (200, ["openid-re-run", "openid-re-run"]), body)
        sent = [q for path, q in self.fake.requests if path == "/sns/jscode2session" and q.get("js_code") == code]
        self.assertEqual(len(sent), 1, "the code went to WeChat once")
