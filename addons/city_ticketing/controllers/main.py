# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Machine endpoints for merchants: scanner devices and merchant ERPs.

Authenticated with Odoo API keys of a per-merchant API user
(``Authorization: Bearer <key>``); the key's user is a merchant user, so record
rules and :meth:`city.ticket._redeem_code` keep every merchant to its own
tickets and products. Thin: authenticate, validate the body against its
declared schema (``schemas.py``, pydantic), call one model method, serialise
through the response schema. Errors are ``{"error": {"code", "message"}}``
(plus ``field`` for a refused body field) with a 4xx; the schemas also make
the OpenAPI document served at ``/city/ticketing/v1/openapi.json``.

The routes use Odoo's ``auth='bearer'``; ``ir.http._authenticate`` (this
module's override) turns its refusals on these paths into a JSON 401
``unauthorized`` instead of Odoo's HTML page, and :func:`check_api_user` answers
a key of a portal/public user with a JSON 403 ``forbidden``.
"""

from odoo import _, http
from odoo.http import request

from odoo.addons.city_base.tools.api_schema import ApiError, parse_body, parse_value

from ..models.city_ticket import CityTicketError
from . import schemas

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


def error_response(code, message, status=None, field=None):
    status = status or ERROR_STATUS.get(code, 400)
    error = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    response = json_response({"error": error}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def api_error_response(exc):
    """The answer to a refused body (:class:`ApiError`), its message in the user's language."""
    message = exc.message if isinstance(exc.message, str) else request.env._(exc.message)
    return error_response(exc.code, message, exc.status, field=exc.field)


def result_response(model, result):
    """``{"result": result}`` shaped by its response schema ``model`` (only documented keys are sent)."""
    return json_response(model.model_validate({"result": result}).model_dump(mode="json", exclude_unset=True))


def check_api_user():
    """After Odoo's bearer check (``auth='bearer'``; refusals are JSON 401, see ``ir_http``):
    the key must belong to an internal user of a merchant (refused before the body is read);
    answers in the user's language."""
    user = request.env.user
    if not user._is_internal():
        raise CityTicketError("forbidden", _("This API key does not belong to a merchant API user."))
    request.update_context(lang=user.context_get().get("lang") or request.env.lang)
    if not user.merchant_id:
        raise CityTicketError("no_merchant", _("The user of this API key is not linked to a merchant."))


class CityTicketingController(http.Controller):
    @http.route(
        "/city/ticketing/v1/openapi.json",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def openapi(self):
        """The OpenAPI 3.1 document of the machine API, generated from the schemas that validate its requests."""
        return json_response(schemas.openapi())

    @http.route(
        "/city/ticketing/v1/redeem", type="http", auth="bearer", methods=["POST"], csrf=False, save_session=False
    )
    def redeem(self):
        """Redeem a ticket: ``{"code": "<QR content or manual code>", "uses": 1, "device": "..."}``."""
        try:
            check_api_user()
            body = parse_body(schemas.RedeemRequest, request.httprequest.get_data())
            redemption = request.env["city.ticket"]._redeem_code(body.code, uses=body.uses, device=body.device or "api")
        except CityTicketError as exc:
            return error_response(exc.code, exc.args[0])
        except ApiError as exc:
            return api_error_response(exc)
        return result_response(schemas.RedeemResponse, redemption._to_api())

    @http.route(
        "/city/ticketing/v1/products/sync", type="http", auth="bearer", methods=["POST"], csrf=False, save_session=False
    )
    def sync_products(self):
        """Bulk update of quotas and prices from a merchant ERP.

        ``{"idempotency_key": "...", "items": [{"sku": "...", "quota": 100, "price": 59.9,
        "tiers": [{"name": "早鸟", "price": 39.9, "until": "2026-12-01T00:00:00+08:00"}]}]}``
        (also accepted: the ``Idempotency-Key`` header).
        """
        try:
            check_api_user()
            body = parse_body(schemas.SyncRequest, request.httprequest.get_data())
            header = request.httprequest.headers.get("Idempotency-Key")
            if header is not None:
                header = parse_value(schemas.IdempotencyKey, header, "Idempotency-Key", model=schemas.SyncRequest)
            key = body.idempotency_key or header
            items = [item.model_dump(exclude_none=True) for item in body.items]
            result = request.env["city.ticket.sync.request"]._sync(items, key)
        except CityTicketError as exc:
            return error_response(exc.code, exc.args[0])
        except ApiError as exc:
            return api_error_response(exc)
        return result_response(schemas.SyncResponse, result)
