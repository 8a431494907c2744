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

from odoo.addons.city_base.tools.api_schema import (
    Header,
    Operation,
    QueryModel,
    RequestModel,
    ResponseModel,
    Text,
    integer,
    openapi_document,
)

_lt = LazyTranslate(__name__)

API_VERSION = "1.0.0"
PREFIX = "/api/mp/v1"
MAX_LIMIT = 50
Id = integer(1)
IdempotencyKey = Annotated[Text, Field(min_length=1, max_length=128)]
Code = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[\x21-\x7e]+$")]


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


class PayParams(ResponseModel):
    """Pass them to ``wx.requestPayment`` as they are (WeChat's names; ``reference`` is the payment's)."""

    appId: str
    timeStamp: str
    nonceStr: str
    package: str
    signType: str
    paySign: str
    reference: str


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
                "`already_paid`, `already_cancelled`, `payment_unavailable`; `refused`: WeChat Pay refused the prepay.",
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
