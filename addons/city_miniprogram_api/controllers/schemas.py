# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Request and response schemas of the mini-program API and its OpenAPI 3.1 document.

The same pydantic models validate what the mini-program sends (``main.py``),
shape what it receives, and generate ``GET /api/mp/v1/openapi.json``.
"""

import functools
from typing import Annotated, Literal

from pydantic import Field

from odoo.tools import LazyTranslate

from odoo.addons.city_base.models.city_member_event import EVENT_TYPES
from odoo.addons.city_base.tools.api_schema import (
    Header,
    Operation,
    QueryModel,
    RequestModel,
    ResponseModel,
    Text,
    UtcDatetime,
    integer,
    openapi_document,
)

from ..models.city_mp_subscription import MESSAGE_KINDS

_lt = LazyTranslate(__name__)

API_VERSION = "1.0.0"
PREFIX = "/api/mp/v1"
MAX_LIMIT = 50
Id = integer(1)
IdempotencyKey = Annotated[Text, Field(min_length=1, max_length=128)]
Code = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[\x21-\x7e]+$")]
MAX_EVENTS = 100
MessageKind = Literal[tuple(kind for kind, _label in MESSAGE_KINDS)]


class Money(ResponseModel):
    fen: int = Field(description="Integer fen (1/100 yuan).")
    display: str = Field(description="For display, e.g. `¥199.00`.")


class Page(QueryModel):
    offset: integer(0, 100_000) = 0
    limit: integer(1, MAX_LIMIT) = Field(default=20, description=f"At most {MAX_LIMIT}.")


# ------------------------------------------------------------------ auth
class LoginRequest(RequestModel):
    code: Code = Field(description="The code of `wx.login()`.")
    referrer_id: Id | None = Field(default=None, description="The member who shared the link (first login only).")

    error_messages = {"code": _lt("Send the code of wx.login().")}


class Member(ResponseModel):
    id: int
    name: str
    phone: str | None
    member_since: str | None
    referrer_id: int | None


class TokenPair(ResponseModel):
    access_token: str = Field(description="Send it as `Authorization: Bearer <access_token>` (valid 2 hours).")
    refresh_token: str = Field(description="Exchange it at `/auth/refresh` for a new pair (once; valid 30 days).")
    token_type: Literal["Bearer"]
    expires_in: int
    refresh_expires_in: int


class LoginResult(TokenPair):
    member: Member
    new_member: bool


class LoginResponse(ResponseModel):
    result: LoginResult


class RefreshRequest(RequestModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096, pattern=r"^[\x21-\x7e]+$")]


class RefreshResponse(ResponseModel):
    result: TokenPair


class PhoneRequest(RequestModel):
    code: Code = Field(description="The code of the `getPhoneNumber` button.")


class MemberResponse(ResponseModel):
    result: Member


class OkResult(ResponseModel):
    ok: bool


class OkResponse(ResponseModel):
    result: OkResult


# ------------------------------------------------------------------ discovery
class District(ResponseModel):
    id: int
    name: str
    city: str | None
    latitude: float
    longitude: float
    radius_m: int


class DistrictList(ResponseModel):
    items: list[District]


class DistrictsResponse(ResponseModel):
    result: DistrictList


class Category(ResponseModel):
    id: int
    name: str
    code: str


class CategoryList(ResponseModel):
    items: list[Category]


class CategoriesResponse(ResponseModel):
    result: CategoryList


class NearbyQuery(Page):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    radius: integer(1, 50_000) = Field(default=3000, description="Metres (default 3 km, at most 50 km).")
    category_id: Id | None = None
    open_now: bool = False


class MerchantCategory(ResponseModel):
    id: int
    name: str


class Merchant(ResponseModel):
    id: int
    name: str
    category: MerchantCategory | None
    district_id: int | None
    latitude: float
    longitude: float
    address: str
    open_now: bool
    opening_hours: str
    distance_m: int | None = Field(default=None, description="Great-circle distance from the point asked for.")


class MerchantDetail(Merchant):
    intro: str
    phone: str | None


class MerchantPage(ResponseModel):
    items: list[Merchant]
    total: int
    offset: int
    limit: int


class NearbyResponse(ResponseModel):
    result: MerchantPage


class MerchantResponse(ResponseModel):
    result: MerchantDetail


class Slot(ResponseModel):
    id: int
    begin: str
    end: str
    remaining: int


class Product(ResponseModel):
    id: int
    name: str
    merchant_id: int | None
    type: str
    price: Money = Field(description="The price now (the current early-bird tier's, if any).")
    list_price: Money
    tier: str | None = Field(description="The name of the price tier that applies now.")
    quota: int | None = Field(description="Units on sale in total (none: no quota).")
    remaining: int | None
    sold_out: bool
    refund_policy: str
    uses: int
    valid_days: int | None
    terms: str
    slots: list[Slot]


class ProductPage(ResponseModel):
    items: list[Product]
    total: int
    offset: int
    limit: int


class ProductsResponse(ResponseModel):
    result: ProductPage


# ------------------------------------------------------------------ orders
class OrderItem(RequestModel):
    product_id: Id
    quantity: integer(1, 20) = 1
    slot_id: Id | None = Field(default=None, description="The time slot of an appointment voucher.")


class OrderRequest(RequestModel):
    items: Annotated[list[OrderItem], Field(min_length=1, max_length=10)]

    error_codes = {"Idempotency-Key": "invalid_idempotency_key", "items.product_id": "invalid_product"}
    error_messages = {"Idempotency-Key": _lt("An Idempotency-Key header of 1 to 128 characters is required.")}


class OrderLine(ResponseModel):
    product_id: int
    name: str
    quantity: int
    unit_price: Money
    subtotal: Money
    slot_id: int | None


class Order(ResponseModel):
    id: int
    name: str
    state: Literal["unpaid", "paid", "cancelled"]
    amount: Money
    created_at: str
    paid_at: str | None
    lines: list[OrderLine]
    ticket_ids: list[int]


class OrderCreated(Order):
    replayed: bool = Field(description="True when this is the order an earlier request with the same key created.")


class OrderCreatedResponse(ResponseModel):
    result: OrderCreated


class OrderResponse(ResponseModel):
    result: Order


class OrderPage(ResponseModel):
    items: list[Order]
    total: int
    offset: int
    limit: int


class OrdersResponse(ResponseModel):
    result: OrderPage


class WxPayment(ResponseModel):
    """Pass them to ``wx.requestPayment`` as they are (WeChat's names; ``reference`` is the payment's)."""

    appId: str
    timeStamp: str
    nonceStr: str
    package: str
    signType: str
    paySign: str
    reference: str


class PayPart(ResponseModel):
    """One shop's payment of an order paid one payment per shop (service-provider mode
    without combined payment): its money goes to that shop's own WeChat Pay account."""

    merchant: str = Field(description="The shop paid by this payment.")
    amount: Money
    payment: WxPayment = Field(description="Its `wx.requestPayment` parameters.")


class PayParams(WxPayment):
    """Pass them to ``wx.requestPayment`` as they are. When ``parts`` is not empty the order
    is paid one payment per shop: call ``wx.requestPayment`` with each part's ``payment``
    in a row (the parameters above are the first part's); the order is paid when all are."""

    parts: list[PayPart] = Field(
        default_factory=list,
        description="Empty for one payment (also a combined payment of several shops, confirmed once); "
        "otherwise each shop's payment still unpaid, in order: asked again, the parts already paid are left out.",
    )


class PayResponse(ResponseModel):
    result: PayParams


# ------------------------------------------------------------------ tickets
class TicketMerchant(ResponseModel):
    id: int
    name: str


class Ticket(ResponseModel):
    id: int
    product: str
    component: str | None
    merchant: TicketMerchant
    type: str
    state: str
    uses_total: int
    uses_left: int
    valid_from: str | None
    valid_to: str | None
    refund_policy: str
    amount_paid: Money
    terms: str


class TicketCode(ResponseModel):
    qr: str = Field(description="What the QR code carries: the ticket's token and the rotating code.")
    code: str = Field(description="The rotating 6-digit code (changes every `step` seconds).")
    manual_code: str
    step: int
    expires_in: int
    qr_image: str = Field(description="The QR code as a PNG data URL.")


class TicketDetail(Ticket):
    display: TicketCode | None = Field(description="Only while the ticket can be used.")


class TicketPage(ResponseModel):
    items: list[Ticket]
    total: int
    offset: int
    limit: int


class TicketsResponse(ResponseModel):
    result: TicketPage


class TicketResponse(ResponseModel):
    result: TicketDetail


class TransferResult(ResponseModel):
    claim_code: str = Field(description="Give it to the receiver; valid 7 days, replaced by a new transfer.")


class TransferResponse(ResponseModel):
    result: TransferResult


class ClaimRequest(RequestModel):
    claim_code: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x20-\x7e]+$")]


class ClaimResponse(ResponseModel):
    result: Ticket


# ------------------------------------------------------------------ points
class Wallet(ResponseModel):
    balance: int = Field(description="Points available.")
    tier: str | None
    multiplier: float = Field(description="Points earned per point of the rules, by the member's tier.")
    rolling_spend: Money = Field(description="Spend over the tier window.")
    expiring_points: int = Field(description="Points expiring soon.")
    next_expiry_date: str | None


class WalletResponse(ResponseModel):
    result: Wallet


class LedgerLine(ResponseModel):
    id: int
    date: str
    kind: str
    kind_label: str
    points: int = Field(description="Earned (positive) or spent, expired (negative).")
    balance_after: int
    merchant: str | None
    note: str | None


class LedgerPage(ResponseModel):
    items: list[LedgerLine]
    total: int
    offset: int
    limit: int


class LedgerResponse(ResponseModel):
    result: LedgerPage


class Earned(ResponseModel):
    points: int
    balance: int


class EarnedResponse(ResponseModel):
    result: Earned


class ReviewRequest(RequestModel):
    rating: integer(1, 5)
    comment: Annotated[Text, Field(max_length=1000)] | None = None


class ReviewResult(ResponseModel):
    review_id: int
    points: int = Field(description="Points the review earned (0: none, see `reason`).")
    balance: int | None
    reason: str | None = Field(description="Why no points were earned, when none were.")


class ReviewResponse(ResponseModel):
    result: ReviewResult


class Reward(ResponseModel):
    id: int
    name: str
    description: str
    kind: str = Field(description="`coupon`, `service` or `gift`.")
    points: int = Field(description="Its price in points.")
    merchant: str | None
    available: int | None = Field(description="Units left (none: not limited).")
    per_member_limit: int | None


class RewardPage(ResponseModel):
    items: list[Reward]
    total: int
    offset: int
    limit: int


class RewardsResponse(ResponseModel):
    result: RewardPage


class Redemption(ResponseModel):
    redemption_id: int
    points: int
    balance: int
    coupon_code: str | None
    sale_order: str | None
    replayed: bool = Field(description="True when an earlier request with the same key redeemed it.")


class RedemptionResponse(ResponseModel):
    result: Redemption


# ------------------------------------------------------------------ coupons
class Coupon(ResponseModel):
    id: int = Field(description="The issued coupon (claim it with this id).")
    code: str | None = Field(description="Shown once claimed: what the shop scans.")
    program: str
    merchant_id: int
    merchant: str
    issued_at_merchant: str | None
    state: str = Field(description="`issued`, `claimed`, `used` or `expired`.")
    expiration_date: str | None
    discount: Money | None = Field(description="What it took off the bill, once used.")


class CouponList(ResponseModel):
    items: list[Coupon]
    total: int
    offset: int
    limit: int


class CouponsResponse(ResponseModel):
    result: CouponList


class CouponResponse(ResponseModel):
    result: Coupon


class Card(ResponseModel):
    id: int = Field(description="The Odoo loyalty card.")
    code: str
    program: str
    merchant: TicketMerchant | None
    source: Literal["alliance", "loyalty"] = Field(description="An alliance coupon, or another coupon or card.")
    state: str = Field(description="`claimed`, `used`, `expired` (alliance) or `valid`, `used`, `expired`.")
    points: float = Field(description="The card's balance (coupons: 1 while unused).")
    expiration_date: str | None
    coupon_id: int | None = Field(description="The alliance coupon's id.")


class CardPage(ResponseModel):
    items: list[Card]
    total: int
    offset: int
    limit: int


class CardsResponse(ResponseModel):
    result: CardPage


class RecommendQuery(QueryModel):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    limit: integer(1, 20) = 10


class Recommendation(ResponseModel):
    merchant_id: int
    name: str
    score: float
    distance_m: int
    reason: str


class RecommendationList(ResponseModel):
    items: list[Recommendation]


class RecommendationsResponse(ResponseModel):
    result: RecommendationList


# ------------------------------------------------------------------ events
class Event(RequestModel):
    client_event_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")] = Field(
        description="The mini-program's id of the event: sent again, it is recorded once."
    )
    type: Literal[tuple(key for key, _label in EVENT_TYPES)]
    occurred_at: UtcDatetime = Field(description="ISO 8601; without a zone: UTC. At most 7 days old.")
    merchant_id: Id | None = None
    product_id: Id | None = Field(default=None, description="A product of `/merchants/{id}/products`.")
    search_term: Annotated[Text, Field(max_length=100)] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None


class EventsRequest(RequestModel):
    events: Annotated[list[Event], Field(min_length=1, max_length=MAX_EVENTS)]
    location_allowed: bool = Field(
        default=False,
        description="The member allowed the location (`scope.userLocation`): coordinates are kept only then.",
    )


class EventsResult(ResponseModel):
    received: int
    recorded: int = Field(description="Events not recorded before (by `client_event_id`).")


class EventsResponse(ResponseModel):
    result: EventsResult


# ------------------------------------------------------------------ messages
class Template(ResponseModel):
    kind: MessageKind
    template_id: str = Field(description="Pass it to `wx.requestSubscribeMessage`.")
    consents: int = Field(description="Messages of this kind the member can still receive.")


class TemplateList(ResponseModel):
    items: list[Template]


class TemplatesResponse(ResponseModel):
    result: TemplateList


TemplateId = Annotated[str, Field(min_length=1, max_length=128)]


class SubscriptionsRequest(RequestModel):
    results: Annotated[
        dict[TemplateId, Literal["accept", "reject", "ban", "filter"]], Field(min_length=1, max_length=10)
    ] = Field(description="What `wx.requestSubscribeMessage` answered, per template id.")


class SubscriptionsResult(ResponseModel):
    accepted: list[MessageKind]


class SubscriptionsResponse(ResponseModel):
    result: SubscriptionsResult


class Message(ResponseModel):
    id: int
    kind: MessageKind
    kind_label: str
    state: Literal["queued", "sent", "no_consent", "failed"]
    created_at: str
    sent_at: str | None


class MessagePage(ResponseModel):
    items: list[Message]
    total: int
    offset: int
    limit: int


class MessagesResponse(ResponseModel):
    result: MessagePage


# ------------------------------------------------------------------ document
AUTH_ERRORS = (
    (401, "`unauthorized`: no access token, or an expired, revoked or forged one (header `WWW-Authenticate`)."),
    (429, "`rate_limited`, `busy`: retry after the `Retry-After` header's seconds."),
)
NOT_FOUND = (404, "`not_found`: no such record, or it is not yours.")
PAGE_ERRORS = ()
IDEMPOTENCY_HEADER = Header(
    "Idempotency-Key", IdempotencyKey, "The same key answers the same order (unique per member).", required=True
)
REDEEM_IDEMPOTENCY_HEADER = Header(
    "Idempotency-Key", IdempotencyKey, "The same key answers the same redemption (unique per member).", required=True
)
PAGE_400 = (400, "`invalid_<parameter>`: see `field`.")


def _op(method, path, operation_id, summary, response, **kwargs):
    return Operation(
        method=method, path=PREFIX + path, operation_id=operation_id, summary=summary, response=response, **kwargs
    )


OPERATIONS = (
    _op(
        "POST",
        "/auth/login",
        "login",
        "Log in with the code of wx.login()",
        LoginResponse,
        request=LoginRequest,
        secured=False,
        tag="auth",
        errors=(
            (400, "`wechat_refused`: WeChat refused the code (used or expired)."),
            (429, "`rate_limited`, `wechat_unavailable`: retry after `Retry-After`."),
        ),
    ),
    _op(
        "POST",
        "/auth/refresh",
        "refresh",
        "Exchange a refresh token for a new token pair",
        RefreshResponse,
        request=RefreshRequest,
        secured=False,
        tag="auth",
        errors=(
            (401, "`unauthorized`: expired, revoked, already used or forged."),
            (429, "`rate_limited`, `busy`: retry after `Retry-After`."),
        ),
    ),
    _op("POST", "/auth/logout", "logout", "Log out: revoke this login's tokens", OkResponse, tag="auth"),
    _op(
        "POST",
        "/auth/phone",
        "bindPhone",
        "Bind the phone number WeChat confirms",
        MemberResponse,
        request=PhoneRequest,
        tag="auth",
        errors=((400, "`wechat_refused`: WeChat refused the code."),),
    ),
    _op("GET", "/me", "me", "The member", MemberResponse, tag="auth"),
    _op("GET", "/districts", "districts", "Business districts", DistrictsResponse, tag="discovery"),
    _op("GET", "/categories", "categories", "Merchant categories", CategoriesResponse, tag="discovery"),
    _op(
        "GET",
        "/merchants/nearby",
        "nearbyMerchants",
        "Merchants near a point, nearest first",
        NearbyResponse,
        query=NearbyQuery,
        tag="discovery",
        errors=((400, "`invalid_<parameter>`: see `field`."),),
    ),
    _op(
        "GET",
        "/merchants/{merchant_id}",
        "merchant",
        "A merchant",
        MerchantResponse,
        path_params=(("merchant_id", "The merchant."),),
        tag="discovery",
        errors=(NOT_FOUND,),
    ),
    _op(
        "GET",
        "/merchants/{merchant_id}/products",
        "merchantProducts",
        "A merchant's products on sale",
        ProductsResponse,
        query=Page,
        path_params=(("merchant_id", "The merchant."),),
        tag="discovery",
        errors=(NOT_FOUND, (400, "`invalid_<parameter>`: see `field`.")),
    ),
    _op(
        "POST",
        "/orders",
        "createOrder",
        "Create an order (the quota is taken)",
        OrderCreatedResponse,
        request=OrderRequest,
        headers=(IDEMPOTENCY_HEADER,),
        tag="orders",
        errors=(
            (400, "`invalid_idempotency_key`; `mixed_companies`."),
            NOT_FOUND,
            (409, "`sold_out`, `unavailable` (slot full); `idempotency_conflict`: key used for another body."),
        ),
    ),
    _op(
        "GET",
        "/orders",
        "orders",
        "The member's orders, newest first",
        OrdersResponse,
        query=Page,
        tag="orders",
        errors=((400, "`invalid_<parameter>`: see `field`."),),
    ),
    _op(
        "GET",
        "/orders/{order_id}",
        "order",
        "An order",
        OrderResponse,
        path_params=(("order_id", "The order."),),
        tag="orders",
        errors=(NOT_FOUND,),
    ),
    _op(
        "POST",
        "/orders/{order_id}/cancel",
        "cancelOrder",
        "Cancel an unpaid order",
        OrderResponse,
        path_params=(("order_id", "The order."),),
        tag="orders",
        errors=(NOT_FOUND, (409, "`already_paid`, `already_cancelled`.")),
    ),
    _op(
        "POST",
        "/orders/{order_id}/pay",
        "payOrder",
        "Pay an order with WeChat Pay: the wx.requestPayment parameters",
        PayResponse,
        path_params=(("order_id", "The order."),),
        tag="orders",
        errors=(
            NOT_FOUND,
            (
                409,
                "`already_paid`, `already_cancelled`, `payment_unavailable`, `payment_confirming` (paid, WeChat "
                "Pay's confirmation not applied yet); `refused`: WeChat Pay refused the prepay.",
            ),
        ),
    ),
    _op(
        "GET",
        "/tickets",
        "tickets",
        "The member's tickets, newest first",
        TicketsResponse,
        query=Page,
        tag="tickets",
        errors=((400, "`invalid_<parameter>`: see `field`."),),
    ),
    _op(
        "GET",
        "/tickets/{ticket_id}",
        "ticket",
        "A ticket with its rotating code and QR image",
        TicketResponse,
        path_params=(("ticket_id", "The ticket."),),
        tag="tickets",
        errors=(NOT_FOUND,),
    ),
    _op(
        "POST",
        "/tickets/{ticket_id}/transfer",
        "transferTicket",
        "Start a transfer: a claim code",
        TransferResponse,
        path_params=(("ticket_id", "The ticket."),),
        tag="tickets",
        errors=(NOT_FOUND, (409, "`not_transferable`: used, expired or refunded.")),
    ),
    _op(
        "POST",
        "/tickets/{ticket_id}/refund",
        "refundTicket",
        "Ask for a refund of an unused ticket, by its product's refund policy",
        ClaimResponse,
        path_params=(("ticket_id", "The ticket."),),
        tag="tickets",
        errors=(NOT_FOUND, (409, "`not_refundable`: the product's policy or the ticket's state refuses it.")),
    ),
    _op(
        "POST",
        "/tickets/claim",
        "claimTicket",
        "Receive a transferred ticket",
        ClaimResponse,
        request=ClaimRequest,
        tag="tickets",
        errors=(
            (404, "`unknown_claim`: no ticket has this claim code."),
            (409, "`not_transferable`, `own_ticket`."),
            (410, "`claim_expired`."),
        ),
    ),
    _op(
        "POST",
        "/tickets/{ticket_id}/review",
        "reviewTicket",
        "Review a used ticket (earns the review points once)",
        ReviewResponse,
        request=ReviewRequest,
        path_params=(("ticket_id", "The ticket."),),
        tag="points",
        errors=(NOT_FOUND, (409, "`not_used`: the ticket was not used yet; `already_reviewed`.")),
    ),
    _op("GET", "/points", "wallet", "The member's points wallet", WalletResponse, tag="points"),
    _op(
        "GET",
        "/points/ledger",
        "pointsLedger",
        "The member's points ledger, newest first",
        LedgerResponse,
        query=Page,
        tag="points",
        errors=(PAGE_400,),
    ),
    _op(
        "POST",
        "/points/sign-in",
        "signIn",
        "Daily sign-in (earns the sign-in points once a day)",
        EarnedResponse,
        tag="points",
        errors=((409, "`duplicate`: signed in today already; other codes: no points by the rules."),),
    ),
    _op(
        "GET",
        "/rewards",
        "rewards",
        "The points mall's rewards",
        RewardsResponse,
        query=Page,
        tag="points",
        errors=(PAGE_400,),
    ),
    _op(
        "POST",
        "/rewards/{reward_id}/redeem",
        "redeemReward",
        "Redeem a reward of the points mall",
        RedemptionResponse,
        path_params=(("reward_id", "The reward."),),
        headers=(REDEEM_IDEMPOTENCY_HEADER,),
        tag="points",
        errors=(
            (400, "`invalid_idempotency_key`."),
            NOT_FOUND,
            (409, "`refused`: not enough points, out of stock, limit reached; `idempotency_conflict`."),
        ),
    ),
    _op(
        "GET",
        "/coupons/available",
        "availableCoupons",
        "Coupons issued to the member, to claim",
        CouponsResponse,
        query=Page,
        tag="coupons",
        errors=(PAGE_400,),
    ),
    _op(
        "POST",
        "/coupons/{coupon_id}/claim",
        "claimCoupon",
        "Claim an issued coupon: its code is shown from now on",
        CouponResponse,
        path_params=(("coupon_id", "The issued coupon."),),
        tag="coupons",
        errors=(NOT_FOUND, (409, "`refused`: already claimed or expired.")),
    ),
    _op(
        "GET",
        "/coupons",
        "myCoupons",
        "The member's coupons and cards (Odoo loyalty cards, the alliance's included)",
        CardsResponse,
        query=Page,
        tag="coupons",
        errors=(PAGE_400,),
    ),
    _op(
        "GET",
        "/recommendations",
        "recommendations",
        "Merchants recommended to the member where they stand (alliance)",
        RecommendationsResponse,
        query=RecommendQuery,
        tag="discovery",
        errors=(PAGE_400,),
    ),
    _op(
        "POST",
        "/events",
        "events",
        "Record a batch of behaviour events",
        EventsResponse,
        request=EventsRequest,
        tag="events",
        errors=(
            (
                400,
                "`invalid_<field>` (see `field`); `unknown_merchant`, `unknown_product`, `invalid_time` "
                "(the message names the event).",
            ),
        ),
    ),
    _op(
        "GET",
        "/messages/templates",
        "messageTemplates",
        "The subscribe-message templates to ask the member for",
        TemplatesResponse,
        tag="messages",
    ),
    _op(
        "POST",
        "/messages/subscriptions",
        "reportSubscriptions",
        "Report what wx.requestSubscribeMessage answered: one message per accepted template",
        SubscriptionsResponse,
        request=SubscriptionsRequest,
        tag="messages",
        errors=((400, "`unknown_template`."),),
    ),
    _op(
        "GET",
        "/messages",
        "messages",
        "The subscribe messages sent (or queued) to the member, newest first",
        MessagesResponse,
        query=Page,
        tag="messages",
        errors=(PAGE_400,),
    ),
)


@functools.cache
def openapi():
    """The mini-program API's OpenAPI 3.1 document (built once per process)."""
    return openapi_document(
        title="City Life Suite: mini-program API",
        version=API_VERSION,
        description="The members' API of the district's WeChat mini-program. Log in with `POST /auth/login`, "
        'then send `Authorization: Bearer <access_token>`. Every refusal is `{"error": {"code", "message"}}` '
        "with a 4xx status; messages are in Chinese (`Accept-Language: en` for English). Money is integer fen "
        "with a display string.",
        operations=OPERATIONS,
        auth_errors=AUTH_ERRORS,
        security_description="The access token of `POST /auth/login` or `/auth/refresh`.",
    )
