# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The merchant machine API's request and response schemas and its OpenAPI document.

The same pydantic models validate the request bodies (``main.py``), shape the
responses and generate ``GET /city/ticketing/v1/openapi.json``. The shape of a
body is checked here; what it means (is the code valid, is the product yours,
may the quota go that low) is checked by the models the routes call.
"""

import functools
from typing import Annotated

from pydantic import BeforeValidator, Field

from odoo.tools import LazyTranslate

from odoo.addons.city_base.tools.api_schema import (
    ErrorBody,
    Header,
    Operation,
    RequestModel,
    ResponseModel,
    Text,
    UtcDatetime,
    integer,
    openapi_document,
)

from ..models.city_ticket_sync_request import MAX_ITEMS

_lt = LazyTranslate(__name__)

API_VERSION = "1.0.0"
MAX_PRICE = 10**7
Price = Annotated[float, Field(ge=0, le=MAX_PRICE, description="Yuan, at most two decimals.")]
IdempotencyKey = Annotated[Text, Field(min_length=1, max_length=128)]
# Odoo answers False for an empty Char/Many2one name.
OptionalName = Annotated[str | None, BeforeValidator(lambda value: None if value is False else value)]


# ------------------------------------------------------------------ redeem
class RedeemRequest(RequestModel):
    """Redeem uses of a ticket of your merchant."""

    code: Annotated[str, Field(min_length=1, max_length=4096, pattern=r"^[\t\n\r\x20-\x7e]+$")] = Field(
        description="What the scanner read (the QR's content) or the manual code typed by the staff (ASCII)."
    )
    uses: integer(1, 10000) = Field(default=1, description="Uses to redeem (次卡: more than 1).")
    device: Annotated[Text, Field(max_length=64)] | None = Field(
        default=None, description="Name of the scanner or till, kept on the redemption (default `api`)."
    )

    error_messages = {
        "code": _lt("Scan or type a ticket code."),
    }


class RedeemResult(ResponseModel):
    redemption_id: int
    ticket_id: int
    product: str
    component: OptionalName = Field(description="The component of a combo ticket, if it is one.")
    holder: OptionalName
    uses: int = Field(description="Uses redeemed by this call.")
    uses_done: int
    uses_total: int
    state: str = Field(description="The ticket's state after the redemption (`redeemed` when no use is left).")
    amount: float = Field(description="Yuan released to your merchant for these uses.")


class RedeemResponse(ResponseModel):
    result: RedeemResult


# ------------------------------------------------------------------ products/sync
class SyncTier(RequestModel):
    name: Annotated[Text, Field(min_length=1, max_length=256)]
    price: Price
    until: UtcDatetime | None = Field(
        default=None, description="The tier's price applies until then (naive values are UTC)."
    )
    first_sold: integer(ge=1) | None = Field(
        default=None, description="Or: the tier's price applies to the first N sold."
    )


class SyncItem(RequestModel):
    """One product's update: give `product_id` or `sku`, and a quota, a price or tiers."""

    product_id: integer(ge=1) | None = None
    sku: Annotated[Text, Field(min_length=1, max_length=256)] | None = Field(
        default=None, description="The product's internal reference."
    )
    quota: integer(ge=0) | None = Field(default=None, description="Units on sale in total.")
    price: Price | None = None
    tiers: Annotated[list[SyncTier], Field(max_length=20)] | None = Field(
        default=None, description="Replace the early-bird price tiers (an empty list removes them)."
    )


class SyncRequest(RequestModel):
    idempotency_key: IdempotencyKey | None = Field(
        default=None,
        description="Required here or in the `Idempotency-Key` header: the same key replays the stored answer.",
    )
    items: Annotated[list[SyncItem], Field(min_length=1, max_length=MAX_ITEMS)]

    error_codes = {
        "Idempotency-Key": "invalid_idempotency_key",
        "items.product_id": "invalid_product",
        "items.sku": "invalid_product",
        "items.tiers": "invalid_tiers",
        "items.tiers.price": "invalid_price",
    }
    error_messages = {
        "idempotency_key": _lt("An idempotency key of 1 to 128 characters is required."),
        "Idempotency-Key": _lt("An idempotency key of 1 to 128 characters is required."),
    }


class SyncRowResult(ResponseModel):
    index: int = Field(description="Position of the item in the request.")
    ok: bool
    product_id: int | None = Field(default=None, description="When applied: the product updated.")
    quota: int | None = Field(default=None, description="When applied: its quota now.")
    error: ErrorBody | None = Field(
        default=None,
        description="When refused: `invalid_product`, `unknown_product` (none of yours matches), `invalid_quota`, "
        "`invalid_price`, `invalid_tiers`, `nothing_to_update`, `invalid_value`, `forbidden`.",
    )


class SyncResult(ResponseModel):
    idempotency_key: str
    applied: int
    rejected: int
    results: list[SyncRowResult]
    replayed: bool = Field(description="True when this answer is the stored one of an earlier request.")


class SyncResponse(ResponseModel):
    result: SyncResult


IDEMPOTENCY_HEADER = Header(
    "Idempotency-Key", IdempotencyKey, "The idempotency key, when the body has no `idempotency_key`."
)

OPERATIONS = (
    Operation(
        method="POST",
        path="/city/ticketing/v1/redeem",
        operation_id="redeem",
        summary="Redeem a ticket",
        description="Redeem uses of a ticket of your merchant from a scanned or typed code.",
        request=RedeemRequest,
        response=RedeemResponse,
        errors=(
            (
                400,
                "`invalid_code`, `invalid_uses`, `bad_check_digit`, `forged`, `altered`: the code is not a ticket's.",
            ),
            (403, "`wrong_merchant`: the ticket is another merchant's."),
            (404, "`unknown_code`: no ticket has this code."),
            (
                409,
                "`already_redeemed`, `refunded`, `not_enough_uses`, `not_yet_valid`; "
                "`busy`: the ticket is being redeemed elsewhere, retry.",
            ),
            (410, "`revoked` (transferred or renewed), `expired`, `stale_code` (an old rotating code)."),
        ),
        tag="tickets",
    ),
    Operation(
        method="POST",
        path="/city/ticketing/v1/products/sync",
        operation_id="syncProducts",
        summary="Update quotas and prices from an ERP",
        description="Each item is applied or refused on its own; the answer has one result per item. "
        "Only your merchant's ticket products are found.",
        request=SyncRequest,
        response=SyncResponse,
        headers=(IDEMPOTENCY_HEADER,),
        errors=(
            (400, "`invalid_idempotency_key`: none in the body nor in the header; `invalid_items`."),
            (409, "`idempotency_conflict`: this key was used with a different body."),
        ),
        tag="products",
    ),
)


@functools.cache
def openapi():
    """The machine API's OpenAPI 3.1 document (built once per process)."""
    return openapi_document(
        title="City Life Suite: merchant machine API",
        version=API_VERSION,
        description="For merchants' scanners and ERPs. Authenticate with the API key of your merchant's API user "
        '(`Authorization: Bearer <key>`). Every refusal is `{"error": {"code", "message"}}` with a 4xx '
        "status; messages are in the user's language.",
        operations=OPERATIONS,
    )
