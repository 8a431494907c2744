# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base of the mini-program API: city_ticketing's merchants and products, a fake
WeChat API on loopback, and helpers to call the API as a logged-in member."""

import json

from odoo import Command, fields
from odoo.tests import HttpCase

from odoo.addons.city_ticketing.tests.common import CityTicketingCommon

from .fake_wechat_api import APPID, SECRET, FakeWechatApi

P = "/api/mp/v1"


class MiniProgramCommon(CityTicketingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeWechatApi().start()
        cls.addClassCleanup(cls.fake.stop)
        set_param = cls.env["ir.config_parameter"].sudo().set_param
        set_param("city_miniprogram_api.appid", APPID)
        set_param("city_miniprogram_api.secret", SECRET)
        set_param("city_miniprogram_api.api_base", cls.fake.url)
        set_param("city_miniprogram_api.rate_limit.login", "1000/60")
        set_param("city_miniprogram_api.rate_limit.order", "1000/60")

    def call(self, method, path, body=None, token=None, headers=None, raw=None):
        """``(status, JSON answer, response)`` of ``method path``."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        response = self.opener.request(method, self.base_url() + P + path, data=data, headers=headers, timeout=60)
        content_type = response.headers.get("Content-Type", "")
        self.assertTrue(content_type.startswith("application/json"), (path, response.status_code, response.text[:300]))
        return response.status_code, response.json(), response

    def login(self, openid="openid-zhang", **extra):
        """Log in as the member of ``openid``: ``(access token, refresh token, member)``."""
        status, body, _response = self.call("POST", "/auth/login", {"code": self.fake.login_code(openid), **extra})
        self.assertEqual(status, 200, body)
        result = body["result"]
        member = self.env["res.partner"].browse(result["member"]["id"])
        return result["access_token"], result["refresh_token"], member

    def assertError(self, answer, status, code):
        got_status, body, response = answer
        self.assertEqual((got_status, body.get("error", {}).get("code")), (status, code), body)
        self.assertTrue(body["error"]["message"])
        return body, response

    @staticmethod
    def _now():
        return fields.Datetime.to_string(fields.Datetime.now()).replace(" ", "T") + "Z"

    @classmethod
    def _issue_coupon(cls, member, merchant=None):
        """An alliance coupon (city_alliance's issue log and its Odoo loyalty card) for ``member``,
        to use at ``merchant`` (default merchant B)."""
        merchant = merchant or cls.merchant_b
        program = cls.env["loyalty.program"].create(
            {
                "name": "满100减30",
                "program_type": "coupons",
                "trigger": "with_code",
                "applies_on": "current",
                "city_merchant_id": merchant.id,
                "rule_ids": [Command.create({"minimum_amount": 100, "reward_point_amount": 1})],
                "reward_ids": [
                    Command.create(
                        {"reward_type": "discount", "discount": 30, "discount_mode": "per_order", "required_points": 1}
                    )
                ],
            }
        )
        return cls.env["city.coupon.issue"]._city_issue_coupons(
            [{"partner_id": member.id, "program_id": program.id, "merchant_id": merchant.id}]
        )
