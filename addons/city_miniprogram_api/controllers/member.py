# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The member's points, coupons, recommendations, behaviour events and subscribe messages.

As thin as ``main.py``, with its helpers: each handler authenticates the member and
calls city_loyalty's member API, city_alliance's coupon and recommendation methods,
city_base's behaviour events or this module's message queue for that member only
(city_loyalty's member API acts for the member record it is called on: the
authenticated member, in sudo, as the public user cannot read members).
"""

from odoo import http
from odoo.http import request

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_base.tools.api_schema import parse_query, parse_value

from ..models.city_mp_error import MpError
from ..models.product_template import money
from . import schemas
from .main import _body, _error_response, _get_ticket, _id, _member, _page, _result, endpoint, route


def _slice(items, page):
    return _page(items[page.offset : page.offset + page.limit], len(items), page)


def _coupon_to_api(coupon):
    discount = coupon.get("discount")
    return dict(coupon, discount=money(to_fen(discount)) if discount is not None else None)


class MiniProgramMemberApi(http.Controller):
    # ------------------------------------------------------------------ points
    @route("/points", ["GET"])
    @endpoint()
    def wallet(self):
        member, _session = _member()
        summary = member.sudo()._city_points_api_summary()
        return _result(schemas.WalletResponse, dict(summary, rolling_spend=money(to_fen(summary["rolling_spend"]))))

    @route("/points/ledger", ["GET"])
    @endpoint()
    def ledger(self):
        member, _session = _member()
        query = parse_query(schemas.Page, request.httprequest.args)
        return _result(schemas.LedgerResponse, member.sudo()._city_points_api_ledger(query.offset, query.limit))

    @route("/points/sign-in", ["POST"], write=True)
    @endpoint(rate_limit="sign_in", per="member")
    def sign_in(self):
        member, _session = _member()
        earned = member.sudo()._city_points_api_sign_in()
        if not earned["ok"]:
            # Refused by the rules (e.g. signed in today already): the refusal stays recorded.
            return _error_response(earned["code"], earned["message"], 409)
        return _result(schemas.EarnedResponse, earned)

    @route("/tickets/<ticket_id>/review", ["POST"], write=True)
    @endpoint(rate_limit="review", per="member")
    def review(self, ticket_id):
        member, _session = _member()
        ticket_sudo = _get_ticket(member, ticket_id)
        body = _body(schemas.ReviewRequest)
        review_sudo, earned = request.env["city.mp.review"]._city_post(ticket_sudo, body.rating, body.comment)
        result = {
            "review_id": review_sudo.id,
            "points": earned.get("points", 0),
            "balance": earned.get("balance"),
            "reason": None if earned["ok"] else earned["message"],
        }
        return _result(schemas.ReviewResponse, result)

    @route("/rewards", ["GET"])
    @endpoint()
    def rewards(self):
        member, _session = _member()
        query = parse_query(schemas.Page, request.httprequest.args)
        return _result(schemas.RewardsResponse, _slice(member.sudo()._city_points_api_rewards(), query))

    @route("/rewards/<reward_id>/redeem", ["POST"], write=True)
    @endpoint(rate_limit="redeem", per="member")
    def redeem(self, reward_id):
        member, _session = _member()
        reward_id = _id(reward_id)
        key = parse_value(
            schemas.IdempotencyKey,
            request.httprequest.headers.get("Idempotency-Key"),
            "Idempotency-Key",
            model=schemas.OrderRequest,
        )
        # sudo: the mall's rewards are public; an unknown or other company's one is a 404.
        if (
            not request.env["city.points.reward"]
            .sudo()
            .search_count([("id", "=", reward_id), ("company_id", "=", request.env.company.id)], limit=1)
        ):
            raise MpError("not_found", request.env._("No such reward."), status=404)
        key_sudo, replayed = request.env["city.mp.order.key"]._claim_result(
            member, f"redeem:{key}", f"reward:{reward_id}"
        )
        if replayed:
            return _result(schemas.RedemptionResponse, dict(replayed, replayed=True))
        key_sudo.result = member.sudo()._city_points_api_redeem(reward_id)
        return _result(schemas.RedemptionResponse, dict(key_sudo.result, replayed=False))

    # ------------------------------------------------------------------ coupons
    @route("/coupons/available", ["GET"])
    @endpoint()
    def available_coupons(self):
        member, _session = _member()
        query = parse_query(schemas.Page, request.httprequest.args)
        coupons = [_coupon_to_api(c) for c in request.env["city.coupon.issue"]._city_claimable_coupons(member)]
        return _result(schemas.CouponsResponse, _slice(coupons, query))

    @route("/coupons/<coupon_id>/claim", ["POST"], write=True)
    @endpoint()
    def claim_coupon(self, coupon_id):
        member, _session = _member()
        issues = request.env["city.coupon.issue"]
        # sudo: the member's own coupon only; another's answers the same 404 as a missing one.
        if not issues.sudo().search_count([("id", "=", _id(coupon_id)), ("partner_id", "=", member.id)], limit=1):
            raise MpError("not_found", request.env._("No such coupon."), status=404)
        return _result(schemas.CouponResponse, _coupon_to_api(issues._city_claim_coupon(member, int(coupon_id))))

    @route("/coupons", ["GET"])
    @endpoint()
    def my_coupons(self):
        member, _session = _member()
        query = parse_query(schemas.Page, request.httprequest.args)
        total, items = member._city_mp_cards(query.offset, query.limit)
        return _result(schemas.CardsResponse, _page(items, total, query))

    @route("/recommendations", ["GET"])
    @endpoint()
    def recommendations(self):
        member, _session = _member()
        query = parse_query(schemas.RecommendQuery, request.httprequest.args)
        items = request.env["city.recommendation.link"]._city_recommend(
            member, query.latitude, query.longitude, limit=query.limit
        )
        return _result(schemas.RecommendationsResponse, {"items": items})

    # ------------------------------------------------------------------ events
    @route("/events", ["POST"], write=True)
    @endpoint(rate_limit="events", per="member")
    def events(self):
        member, _session = _member()
        body = _body(schemas.EventsRequest)
        recorded = member._city_mp_log_events(body.events, body.location_allowed)
        return _result(schemas.EventsResponse, {"received": len(body.events), "recorded": recorded})

    # ------------------------------------------------------------------ messages
    @route("/messages/templates", ["GET"])
    @endpoint()
    def message_templates(self):
        member, _session = _member()
        subscriptions = request.env["city.mp.subscription"]
        consents = subscriptions._open_counts(member)
        items = [
            {"kind": kind, "template_id": template, "consents": consents.get(kind, 0)}
            for kind, template in subscriptions._templates().items()
        ]
        return _result(schemas.TemplatesResponse, {"items": items})

    @route("/messages/subscriptions", ["POST"], write=True)
    @endpoint()
    def report_subscriptions(self):
        member, _session = _member()
        body = _body(schemas.SubscriptionsRequest)
        accepted = request.env["city.mp.subscription"]._record(member, body.results)
        return _result(schemas.SubscriptionsResponse, {"accepted": accepted})

    @route("/messages", ["GET"])
    @endpoint()
    def messages(self):
        member, _session = _member()
        query = parse_query(schemas.Page, request.httprequest.args)
        domain = [("partner_id", "=", member.id)]
        # sudo: the member's own messages only (domain on the authenticated member).
        messages_sudo = request.env["city.mp.message"].sudo()
        found = messages_sudo.search(domain, offset=query.offset, limit=query.limit)
        return _result(schemas.MessagesResponse, _page(found._to_api(), messages_sudo.search_count(domain), query))
