# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""wechatpy's mini-program client, pointed at a configurable API base and fed the
access token the database caches (``city.mp.wechat.token``) instead of fetching
one per process."""

from wechatpy import WeChatClient

DEFAULT_API_BASE = "https://api.weixin.qq.com/"
TIMEOUT = 10


class MiniProgramClient(WeChatClient):
    """``WeChatClient`` whose API base is ``api_base`` (``https://api.weixin.qq.com/`` or a fake
    server in tests) and whose access token comes from ``token_getter()``.

    ``sns/jscode2session`` takes no access token: none is fetched for it.
    """

    def __init__(self, appid, secret, api_base=DEFAULT_API_BASE, token_getter=None, timeout=TIMEOUT):
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.api_base = api_base if api_base.endswith("/") else api_base + "/"
        self.API_BASE_URL = self.api_base + "cgi-bin/"
        self.wxa.API_BASE_URL = self.api_base
        self._token_getter = token_getter

    @property
    def access_token(self):
        return self._token_getter() if self._token_getter else None

    def _request(self, method, url_or_endpoint, **kwargs):
        if url_or_endpoint.startswith("sns/"):
            # requests leaves out a None parameter: code2session is authenticated by appid and secret.
            kwargs.setdefault("params", {}).setdefault("access_token", None)
        return super()._request(method, url_or_endpoint, **kwargs)

    def fetch_access_token(self):
        """A new access token from WeChat: ``{"access_token", "expires_in"}`` (not stored here)."""
        response = self._http.get(
            self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        response.raise_for_status()
        return self._handle_result(response)

    def get_phone_number(self, code):
        """``wxa/business/getuserphonenumber`` (no method for it in wechatpy 1.8.18): the phone_info."""
        result = self.post("wxa/business/getuserphonenumber", data={"code": code}, api_base_url=self.api_base)
        return result.get("phone_info") or {}
