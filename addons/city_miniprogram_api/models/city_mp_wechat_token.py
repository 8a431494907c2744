# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
from datetime import timedelta

import psycopg2.errors
import requests
from wechatpy.exceptions import WeChatClientException

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..tools.wechat import DEFAULT_API_BASE, MiniProgramClient
from .city_mp_error import MpError

_logger = logging.getLogger(__name__)

PARAM = "city_miniprogram_api.%s"
# Refresh a little before WeChat's expiry, so that no call goes out with a dying token.
EARLY_REFRESH = timedelta(minutes=5)
# WeChat's answers meaning "this access token is no longer valid".
TOKEN_ERRORS = (40001, 40014, 42001)


class CityMpWechatToken(models.Model):
    """WeChat's access token of the mini-program, shared by every worker.

    WeChat allows few token requests per day and invalidates the previous token
    on each: the token is cached here, one row per app id, and refreshed by one
    worker at a time under ``SELECT … FOR UPDATE`` on that row, in a cursor of
    its own committed at once. A worker that waited for the lock finds the
    fresh token and does not ask WeChat again.
    """

    _name = "city.mp.wechat.token"
    _description = "WeChat Access Token Cache"
    _log_access = False

    appid = fields.Char(required=True, readonly=True)
    access_token = fields.Char(readonly=True)
    expires_at = fields.Datetime(readonly=True)
    fetch_count = fields.Integer(readonly=True, help="Tokens fetched from WeChat for this app.")

    _sql_constraints = [("appid_uniq", "UNIQUE(appid)", "One cached token per mini-program.")]

    @api.model
    def _get_config(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        appid, secret = get(PARAM % "appid"), get(PARAM % "secret")
        if not appid or not secret:
            raise MpError("not_configured", _("The mini-program's WeChat app id and secret are not set."), status=503)
        return appid, secret, get(PARAM % "api_base") or DEFAULT_API_BASE

    @api.model
    def _get_client(self):
        """wechatpy's client of the configured mini-program, with the cached access token."""
        appid, secret, api_base = self._get_config()
        client = MiniProgramClient(appid, secret, api_base=api_base)
        client._token_getter = lambda: self._get_access_token(client)
        return client

    @api.model
    def _get_access_token(self, client, stale=None):
        """The cached token, fetched from WeChat if missing, expiring, or equal to ``stale``
        (a token WeChat just refused)."""
        with self.env.registry.cursor() as cr:  # committed on exit: the row to lock exists for every worker
            cr.execute(
                SQL(
                    "INSERT INTO city_mp_wechat_token (appid, fetch_count) VALUES (%s, 0) "
                    "ON CONFLICT (appid) DO NOTHING",
                    client.appid,
                )
            )
        for _attempt in range(5):
            try:
                with self.env.registry.cursor() as cr:
                    cr.execute(
                        SQL(
                            "SELECT access_token, expires_at FROM city_mp_wechat_token WHERE appid = %s FOR UPDATE",
                            client.appid,
                        )
                    )
                    token, expires_at = cr.fetchone()
                    if token and token != stale and expires_at and expires_at - EARLY_REFRESH > fields.Datetime.now():
                        return token
                    result = self._call(client.fetch_access_token)
                    expires_at = fields.Datetime.now() + timedelta(seconds=int(result.get("expires_in") or 7200))
                    cr.execute(
                        SQL(
                            """UPDATE city_mp_wechat_token
                                  SET access_token = %s, expires_at = %s, fetch_count = fetch_count + 1
                                WHERE appid = %s""",
                            result["access_token"],
                            expires_at,
                            client.appid,
                        )
                    )
                    _logger.info("WeChat access token of %s refreshed", client.appid)
                    return result["access_token"]
            except psycopg2.errors.SerializationFailure:
                continue  # another worker refreshed it while we waited for the lock: read it again
        raise MpError("busy", _("WeChat is busy: retry in a moment."), status=429, retry_after=2)

    @api.model
    def _refusal(self, exc):
        _logger.info("WeChat refused a call: errcode %s", exc.errcode)
        error = MpError("wechat_refused", _("WeChat refused the request (error %s).", exc.errcode), status=400)
        error.wechat_answer = (exc.errcode, exc.errmsg)
        return error

    @api.model
    def _unavailable(self):
        _logger.warning("WeChat did not answer")
        return MpError(
            "wechat_unavailable", _("WeChat is not answering: retry in a moment."), status=429, retry_after=5
        )

    @api.model
    def _call(self, func, *args, **kwargs):
        """Call WeChat; its refusals and outages become :class:`MpError` (never a 500 to the member)."""
        try:
            return func(*args, **kwargs)
        except WeChatClientException as exc:
            raise self._refusal(exc) from None
        except requests.RequestException:
            raise self._unavailable() from None

    @api.model
    def _call_with_token(self, client, func, *args, **kwargs):
        """Call an API taking the access token; a refused token is refreshed once and the call repeated."""
        used = self._cached_token(client.appid)
        try:
            return func(*args, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise self._refusal(exc) from None
        except requests.RequestException:
            raise self._unavailable() from None
        self._get_access_token(client, stale=used)
        return self._call(func, *args, **kwargs)

    @api.model
    def _cached_token(self, appid):
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SELECT access_token FROM city_mp_wechat_token WHERE appid = %s", appid))
            row = cr.fetchone()
        return row and row[0]
