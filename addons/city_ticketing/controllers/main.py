# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Machine endpoints for merchants: scanner devices and merchant ERPs.

Authenticated with Odoo API keys of a per-merchant API user
(``Authorization: Bearer <key>``); the key's user is a merchant user, so record
rules and :meth:`city.ticket._redeem_code` keep every merchant to its own
tickets and products. Thin: authenticate, validate the body, call one model
method, serialise. Errors are ``{"error": {"code", "message"}}`` with a 4xx.

The routes use Odoo's ``auth='bearer'``; ``ir.http._authenticate`` (this
module's override) turns its refusals on these paths into a JSON 401
``unauthorized`` instead of Odoo's HTML page, and :func:`check_api_user` answers
a key of a portal/public user with a JSON 403 ``forbidden``.
"""

import json

from odoo import _, http
from odoo.http import request

from ..models.city_ticket import CityTicketError

ERROR_STATUS = {
    "busy": 409,
    "already_redeemed": 409,
    "refunded": 409,
    "not_enough_uses": 409,
    "revoked": 410,
    "expired": 410,
    "stale_code": 410,
    "not_yet_valid": 409,
    "wrong_merchant": 403,
    "no_merchant": 403,
    "unknown_code": 404,
    "idempotency_conflict": 409,
    "unauthorized": 401,
    "forbidden": 403,
}


def json_response(body, status=200):
    return request.make_json_response(body, status=status)


def error_response(code, message, status=None):
    status = status or ERROR_STATUS.get(code, 400)
    response = json_response({"error": {"code": code, "message": message}}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def check_api_user():
    """After Odoo's bearer check (``auth='bearer'``; refusals are JSON 401, see ``ir_http``):
    the key must belong to an internal (merchant API) user; answers in the user's language."""
    if not request.env.user._is_internal():
        raise CityTicketError("forbidden", _("This API key does not belong to a merchant API user."))
    request.update_context(lang=request.env.user.context_get().get("lang") or request.env.lang)


def read_json_body():
    try:
        body = json.loads(request.httprequest.get_data(as_text=True) or "null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise CityTicketError("invalid_json", _("The body must be a JSON object."))
    return body


class CityTicketingController(http.Controller):
    @http.route(
        "/city/ticketing/v1/redeem", type="http", auth="bearer", methods=["POST"], csrf=False, save_session=False
    )
    def redeem(self):
        """Redeem a ticket: ``{"code": "<QR content or manual code>", "uses": 1, "device": "..."}``."""
        try:
            check_api_user()
            body = read_json_body()
            code, uses = body.get("code"), body.get("uses", 1)
            if not isinstance(code, str) or not code or len(code) > 4096:
                raise CityTicketError("invalid_code", _("Scan or type a ticket code."))
            if isinstance(uses, bool) or not isinstance(uses, int):
                raise CityTicketError("invalid_uses", _("The number of uses must be a positive integer."))
            device = body.get("device") if isinstance(body.get("device"), str) else None
            redemption = request.env["city.ticket"]._redeem_code(code, uses=uses, device=(device or "api")[:64])
        except CityTicketError as exc:
            return error_response(exc.code, exc.args[0])
        return json_response({"result": redemption._to_api()})

    @http.route(
        "/city/ticketing/v1/products/sync", type="http", auth="bearer", methods=["POST"], csrf=False, save_session=False
    )
    def sync_products(self):
        """Bulk update of quotas and prices from a merchant ERP.

        ``{"idempotency_key": "...", "items": [{"sku": "...", "quota": 100, "price": 59.9,
        "tiers": [{"name": "早鸟", "price": 39.9, "until": "2026-12-01 00:00:00"}]}]}``
        (also accepted: the ``Idempotency-Key`` header).
        """
        try:
            check_api_user()
            body = read_json_body()
            key = body.get("idempotency_key") or request.httprequest.headers.get("Idempotency-Key")
            result = request.env["city.ticket.sync.request"]._sync(body.get("items"), key)
        except CityTicketError as exc:
            return error_response(exc.code, exc.args[0])
        return json_response({"result": result}, status=200)
