# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The mini-program's JSON endpoints under ``/api/mp/v1/``.

Thin: authenticate the member's bearer token, validate the input against its
schema (``schemas.py``), call the domain modules' private methods for that
member only, serialise through the response schema. Routes are ``type='http'``
with plain statuses; every refusal is ``{"error": {"code", "message"}}`` with a
4xx, in the language of ``Accept-Language`` (Chinese by default). A refused
request rolls back what it wrote (one savepoint around each handler).
"""

import functools
import hashlib
import json
import logging

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.city_base.tools.api_schema import INT32_MAX, ApiError, parse_body, parse_query, parse_value
from odoo.addons.city_ticketing.models.city_ticket import REDEEMABLE_STATES, CityTicketError

from ..models.city_mp_error import MpError
from ..models.ir_http import api_lang
from ..models.product_template import money
from . import schemas

_logger = logging.getLogger(__name__)
P = schemas.PREFIX
TICKET_ERROR_STATUS = {
    "not_refundable": 409,
    "unknown_claim": 404,
    "claim_expired": 410,
    "not_transferable": 409,
    "own_ticket": 409,
}


def _error_response(code, message, status, field=None, retry_after=None):
    error = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    response = request.make_json_response({"error": error}, status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mp"'
    if retry_after:
        response.headers["Retry-After"] = str(int(retry_after))
    return response


def _result(model, result):
    return request.make_json_response(model.model_validate({"result": result}).model_dump(mode="json"))


def _set_env():
    """Answer as the public user in the caller's language: the member has no Odoo user, and every
    record the API reaches is chosen for the authenticated member in the methods it calls."""
    lang = api_lang(request.httprequest)
    # the id from ir.model.data's cache: the public user is never deleted (no exists() query per request)
    public_user_id = request.env["ir.model.data"]._xmlid_to_res_id("base.public_user")
    # Its time zone, as a logged-in user's session has its own: from Odoo's cache of user contexts
    # (context_get), UTC when it has none as Odoo then falls back on, so that no date of an order
    # (e.g. its validity) reads the user again.
    public_user_sudo = request.env(user=public_user_id, su=True)["res.users"].browse(public_user_id)
    tz = request.env.context.get("tz") or public_user_sudo.context_get().get("tz") or "UTC"
    context = dict(request.env.context, lang=lang, tz=tz)
    # Its company from Odoo's cache of users' companies when it has only one (then its default
    # one), so that the current company does not read the whole public user on every order.
    companies = public_user_sudo._get_company_ids()
    if len(companies) == 1 and "allowed_company_ids" not in context:
        context["allowed_company_ids"] = list(companies)
    request.update_env(user=public_user_id, context=context)


def endpoint(rate_limit=None, per="ip"):
    """Run a handler in a savepoint and turn every refusal into its JSON 4xx answer.

    ``rate_limit`` names the limit (``city.mp.rate.limit``) counted first, outside
    the savepoint, per client address (``per="ip"``) or per member (``"member"``).
    """

    def decorate(func):
        @functools.wraps(func)
        def handler(self, **kwargs):
            _set_env()
            try:
                if rate_limit:
                    key = f"member:{_member()[0].id}" if per == "member" else f"ip:{_client_ip()}"
                    request.env["city.mp.rate.limit"]._hit(rate_limit, key)
                with request.env.cr.savepoint():
                    return func(self, **kwargs)
            except MpError as exc:
                return _error_response(exc.code, exc.args[0], exc.status, retry_after=exc.retry_after)
            except ApiError as exc:
                message = exc.message if isinstance(exc.message, str) else request.env._(exc.message)
                return _error_response(exc.code, message, exc.status, field=exc.field)
            except CityTicketError as exc:
                return _error_response(exc.code, exc.args[0], TICKET_ERROR_STATUS.get(exc.code, 409))
            except AccessError as exc:
                # Never the internal access message: what the member may not reach does not exist.
                _logger.info("%s: access refused: %s", func.__name__, exc, exc_info=True)
                return _error_response("not_found", request.env._("Not found."), 404)
            except UserError as exc:
                return _error_response("refused", exc.args[0], 409)

        return handler

    return decorate


def route(path, methods, write=False):
    return http.route(
        P + path,
        type="http",
        auth="none",
        methods=methods,
        csrf=False,
        save_session=False,
        readonly=not write,
    )


def _member():
    """The member of the ``Authorization: Bearer`` access token, and its session (or 401).

    Checked once per transaction: a rate-limited handler names its member for the limit
    and again in its body; both get the first answer. A re-run of the request (after a
    serialization failure) has a new cursor, and checks the token again.
    """
    env = request.env
    checked = getattr(request, "_city_mp_member", None)
    if checked and checked[0] is env.cr:
        return env["res.partner"].browse(checked[1]), env["city.mp.session"].browse(checked[2])
    header = request.httprequest.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MpError("unauthorized", env._("Log in and send your access token."), status=401)
    member, session = env["city.mp.session"]._authenticate(token.strip())
    request._city_mp_member = (env.cr, member.id, session.id)
    return member, session


def _id(value):
    """A path id, or the same 404 as an unknown record."""
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= INT32_MAX:
        raise MpError("not_found", request.env._("Not found."), status=404)
    return int(value)


def _body(model):
    return parse_body(model, request.httprequest.get_data())


def _page(items, total, page):
    return {"items": items, "total": total, "offset": page.offset, "limit": page.limit}


def _ticket_to_api(ticket_sudo):
    return dict(ticket_sudo._to_api(), amount_paid=money(ticket_sudo.paid_fen))


def _code_to_session(tokens_sudo, client, code):
    """WeChat's ``{"openid", "unionid"}`` for a ``wx.login`` code (the session key is never kept,
    answered nor logged). WeChat accepts a code once: the answer is kept on the request, so that
    Odoo's re-run of this request after a serialization failure does not spend the code again."""
    answers = getattr(request, "_city_mp_code_answers", None)
    if answers is None:
        answers = request._city_mp_code_answers = {}
    if code not in answers:
        session = tokens_sudo._call(client.wxa.code_to_session, code)
        answers[code] = {"openid": session.get("openid"), "unionid": session.get("unionid")}
    return answers[code]


def _get_ticket(member, ticket_id):
    # sudo: the member's own ticket only; another's answers the same 404 as a missing one.
    ticket_sudo = (
        request.env["city.ticket"].sudo().search([("id", "=", _id(ticket_id)), ("partner_id", "=", member.id)], limit=1)
    )
    if not ticket_sudo:
        raise MpError("not_found", request.env._("No such ticket."), status=404)
    return ticket_sudo


def _client_ip():
    return request.httprequest.remote_addr or "unknown"


class MiniProgramApi(http.Controller):
    # ------------------------------------------------------------------ document
    @http.route(P + "/openapi.json", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def openapi(self):
        """The OpenAPI 3.1 document, generated from the schemas that validate the requests."""
        return request.make_json_response(schemas.openapi())

    # ------------------------------------------------------------------ auth
    @route("/auth/login", ["POST"], write=True)
    @endpoint(rate_limit="login")
    def login(self):
        env = request.env
        body = _body(schemas.LoginRequest)
        tokens_sudo = env["city.mp.wechat.token"]
        client = tokens_sudo._get_client()
        session = _code_to_session(tokens_sudo, client, body.code)
        openid = session.get("openid")
        if not openid:
            raise MpError("wechat_refused", env._("WeChat did not confirm this login."))
        member, created = env["res.partner"]._city_mp_member_from_session(
            openid, session.get("unionid"), body.referrer_id
        )
        pair = env["city.mp.session"]._open(member)
        return _result(schemas.LoginResponse, dict(pair, member=member._city_mp_member_to_api(), new_member=created))

    @route("/auth/refresh", ["POST"], write=True)
    @endpoint(rate_limit="refresh")
    def refresh(self):
        body = _body(schemas.RefreshRequest)
        pair = request.env["city.mp.session"]._refresh(body.refresh_token)
        if not pair:
            # A replayed refresh token: its session is revoked (kept), and the caller refused.
            error = request.env["city.mp.session"]._refused()
            return _error_response(error.code, error.args[0], error.status)
        return _result(schemas.RefreshResponse, pair)

    @route("/auth/logout", ["POST"], write=True)
    @endpoint()
    def logout(self):
        _member_record, session = _member()
        session._revoke()
        return _result(schemas.OkResponse, {"ok": True})

    @route("/auth/phone", ["POST"], write=True)
    @endpoint()
    def bind_phone(self):
        member, _session = _member()
        body = _body(schemas.PhoneRequest)
        tokens_sudo = request.env["city.mp.wechat.token"]
        client = tokens_sudo._get_client()
        info = tokens_sudo._call_with_token(client, client.get_phone_number, body.code)
        member._city_mp_bind_phone(info)
        return _result(schemas.MemberResponse, member._city_mp_member_to_api())

    @route("/me", ["GET"])
    @endpoint()
    def me(self):
        member, _session = _member()
        return _result(schemas.MemberResponse, member._city_mp_member_to_api())

    # ------------------------------------------------------------------ discovery
    @route("/districts", ["GET"])
    @endpoint()
    def districts(self):
        _member()
        # sudo: districts are public information of the platform.
        districts_sudo = request.env["city.district"].sudo().search([], limit=200)
        items = [
            {
                "id": d.id,
                "name": d.name,
                "city": d.city or None,
                "latitude": d.latitude,
                "longitude": d.longitude,
                "radius_m": d.radius_m,
            }
            for d in districts_sudo
        ]
        return _result(schemas.DistrictsResponse, {"items": items})

    @route("/categories", ["GET"])
    @endpoint()
    def categories(self):
        _member()
        # sudo: merchant categories are public information of the platform.
        categories_sudo = request.env["city.merchant.category"].sudo().search([], limit=200)
        items = [{"id": c.id, "name": c.name, "code": c.code} for c in categories_sudo]
        return _result(schemas.CategoriesResponse, {"items": items})

    @route("/merchants/nearby", ["GET"])
    @endpoint()
    def nearby(self):
        _member()
        query = parse_query(schemas.NearbyQuery, request.httprequest.args)
        total, rows = request.env["res.partner"]._city_mp_nearby(
            query.latitude,
            query.longitude,
            query.radius,
            category_id=query.category_id,
            open_now=query.open_now,
            offset=query.offset,
            limit=query.limit,
        )
        items = [merchant._city_mp_merchant_to_api(distance_m=distance) for merchant, distance in rows]
        return _result(schemas.NearbyResponse, _page(items, total, query))

    @route("/merchants/<merchant_id>", ["GET"])
    @endpoint()
    def merchant(self, merchant_id):
        _member()
        merchant_sudo = request.env["res.partner"]._city_mp_get_merchant(_id(merchant_id))
        return _result(schemas.MerchantResponse, merchant_sudo._city_mp_merchant_to_api(detail=True))

    @route("/merchants/<merchant_id>/products", ["GET"])
    @endpoint()
    def merchant_products(self, merchant_id):
        _member()
        merchant_sudo = request.env["res.partner"]._city_mp_get_merchant(_id(merchant_id))
        query = parse_query(schemas.Page, request.httprequest.args)
        templates = request.env["product.template"]
        domain = [("merchant_id", "=", merchant_sudo.id), *templates._city_mp_sellable_domain()]
        # sudo: products on sale are public; the domain keeps this merchant's sellable ones.
        templates_sudo = templates.sudo()
        found = templates_sudo.search(domain, offset=query.offset, limit=query.limit, order="id")
        items = [template._city_mp_to_api() for template in found]
        return _result(schemas.ProductsResponse, _page(items, templates_sudo.search_count(domain), query))

    # ------------------------------------------------------------------ orders
    @route("/orders", ["POST"], write=True)
    @endpoint(rate_limit="order", per="member")
    def create_order(self):
        member, _session = _member()
        raw = request.httprequest.get_data()
        body = parse_body(schemas.OrderRequest, raw)
        key = parse_value(
            schemas.IdempotencyKey,
            request.httprequest.headers.get("Idempotency-Key"),
            "Idempotency-Key",
            model=schemas.OrderRequest,
        )
        items = [item.model_dump() for item in body.items]
        body_hash = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()
        order_sudo, replayed = request.env["sale.order"]._city_mp_create_order(member, items, key, body_hash)
        return _result(schemas.OrderCreatedResponse, dict(order_sudo._city_mp_to_api(), replayed=replayed))

    @route("/orders", ["GET"])
    @endpoint()
    def orders(self):
        member, _session = _member()
        query = parse_query(schemas.Page, request.httprequest.args)
        domain = [("partner_id", "=", member.id)]
        # sudo: the member's own orders only (domain on the authenticated member).
        orders_sudo = request.env["sale.order"].sudo()
        found = orders_sudo.search(domain, offset=query.offset, limit=query.limit, order="id desc")
        items = [order._city_mp_to_api() for order in found]
        return _result(schemas.OrdersResponse, _page(items, orders_sudo.search_count(domain), query))

    @route("/orders/<order_id>", ["GET"])
    @endpoint()
    def order(self, order_id):
        member, _session = _member()
        order_sudo = request.env["sale.order"]._city_mp_get_order(member, _id(order_id))
        return _result(schemas.OrderResponse, order_sudo._city_mp_to_api())

    @route("/orders/<order_id>/cancel", ["POST"], write=True)
    @endpoint()
    def cancel_order(self, order_id):
        member, _session = _member()
        order_sudo = request.env["sale.order"]._city_mp_get_order(member, _id(order_id))
        return _result(schemas.OrderResponse, order_sudo._city_mp_cancel()._city_mp_to_api())

    @route("/orders/<order_id>/pay", ["POST"], write=True)
    @endpoint()
    def pay_order(self, order_id):
        member, _session = _member()
        order_sudo = request.env["sale.order"]._city_mp_get_order(member, _id(order_id))
        openid = member.sudo().city_wx_openid
        return _result(schemas.PayResponse, order_sudo._city_mp_pay(openid))

    # ------------------------------------------------------------------ tickets
    @route("/tickets", ["GET"])
    @endpoint()
    def tickets(self):
        member, _session = _member()
        query = parse_query(schemas.Page, request.httprequest.args)
        domain = [("partner_id", "=", member.id)]
        # sudo: the member's own tickets only (domain on the authenticated member).
        tickets_sudo = request.env["city.ticket"].sudo()
        found = tickets_sudo.search(domain, offset=query.offset, limit=query.limit, order="id desc")
        items = [_ticket_to_api(ticket) for ticket in found]
        return _result(schemas.TicketsResponse, _page(items, tickets_sudo.search_count(domain), query))

    @route("/tickets/claim", ["POST"], write=True)
    @endpoint(rate_limit="claim", per="member")
    def claim_ticket(self):
        member, _session = _member()
        body = _body(schemas.ClaimRequest)
        ticket_sudo = request.env["city.ticket"].sudo()._claim(body.claim_code, member)
        return _result(schemas.ClaimResponse, _ticket_to_api(ticket_sudo))

    @route("/tickets/<ticket_id>", ["GET"])
    @endpoint()
    def ticket(self, ticket_id):
        member, _session = _member()
        ticket_sudo = _get_ticket(member, ticket_id)
        result = _ticket_to_api(ticket_sudo)
        result["display"] = None
        if ticket_sudo.state in REDEEMABLE_STATES:
            code = ticket_sudo._get_rotating_code()
            png = ticket_sudo._make_qr_png(code["qr"]).decode()
            result["display"] = dict(code, qr_image=f"data:image/png;base64,{png}")
        return _result(schemas.TicketResponse, result)

    @route("/tickets/<ticket_id>/transfer", ["POST"], write=True)
    @endpoint()
    def transfer_ticket(self, ticket_id):
        member, _session = _member()
        ticket_sudo = _get_ticket(member, ticket_id)
        return _result(schemas.TransferResponse, {"claim_code": ticket_sudo._create_claim_code()})

    @route("/tickets/<ticket_id>/refund", ["POST"], write=True)
    @endpoint()
    def refund_ticket(self, ticket_id):
        member, _session = _member()
        ticket_sudo = _get_ticket(member, ticket_id)
        ticket_sudo._action_refund()  # city_ticketing applies the product's refund policy
        return _result(schemas.ClaimResponse, _ticket_to_api(ticket_sudo))
