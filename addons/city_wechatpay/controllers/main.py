# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json
import logging

from odoo import http
from odoo.http import request

from .. import const
from ..models.city_wechatpay_notice import NoticeRefused

_logger = logging.getLogger(__name__)


class WechatpayController(http.Controller):
    @http.route(
        const.WEBHOOK_URL,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def wechatpay_webhook(self):
        """WeChat Pay's notices (payments, refunds): verified and decrypted first.

        Success: an empty 204. Failure: 4xx/5xx with ``{"code": "FAIL", "message": …}``,
        and WeChat sends it again later.
        """
        body = request.httprequest.get_data(as_text=True)
        try:
            # sudo: the notice is authenticated by WeChat Pay's signature, not by a user
            request.env["city.wechatpay.notice"].sudo()._receive(request.httprequest.headers, body)
        except NoticeRefused as exc:
            return self._fail(exc.status, exc.message)
        except Exception:
            _logger.exception("WeChat Pay notice could not be processed")
            return self._fail(500, "internal error")
        return request.make_response("", status=204)

    @staticmethod
    def _fail(status, message):
        return request.make_response(
            json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False),
            headers=[("Content-Type", "application/json")],
            status=status,
        )
