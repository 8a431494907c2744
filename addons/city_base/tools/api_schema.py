# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Declared JSON API schemas: pydantic v2 models that validate request bodies,
shape responses and generate the OpenAPI 3.1 document of an API.

One set of models does all three, so the document cannot drift from what the
server accepts. Plain Python, no ORM; business rules stay in the models the
controllers call. Usage (see city_ticketing's ``controllers/schemas.py``)::

    class RedeemRequest(RequestModel):
        code: Annotated[Text, Field(min_length=1, max_length=4096)]

    body = parse_body(RedeemRequest, request.httprequest.get_data())  # or ApiError
    document = openapi_document(title=..., version=..., operations=[Operation(...)])

A refused body raises :class:`ApiError` (status 400) whose ``code`` is
``invalid_json`` (not a JSON object), ``unknown_field`` or ``invalid_<field>``
(the last field name on the error's path; a model overrides it per path in
``error_codes``), whose ``field`` is the path (``items[2].quota``) and whose
``message`` is a lazy translation: the controller translates it
(``env._(error.message)``) and answers ``{"error": {"code", "message", "field"}}``.
"""

import datetime
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema

from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

# PostgreSQL refuses NUL in text: refuse it in the schema rather than fail in the database.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]


def _integral(value):
    # JSON Schema's "integer" includes 2.0: accept it as 2 (and still refuse 2.5, "2" and true).
    return int(value) if isinstance(value, float) and value.is_integer() else value


def integer(ge=INT32_MIN, le=INT32_MAX):
    """A JSON integer from ``ge`` to ``le`` (by default: what fits PostgreSQL's ``integer``).

    The bounds go on the inner ``int`` so that the JSON schema shows them as ``minimum``/``maximum``.
    """
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_integral)]


# Ids and quantities.
Int32 = integer()


def _to_naive_utc(value):
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except OverflowError as exc:
        raise ValueError("date out of range") from exc


# ISO 8601 date and time; naive values are UTC (as Odoo stores them), aware ones are converted to UTC.
UtcDatetime = Annotated[datetime.datetime, AfterValidator(_to_naive_utc)]


class RequestModel(BaseModel):
    """A request body: strict JSON types (no ``"1"`` for 1, no ``true`` for 1), unknown fields refused.

    ``error_codes`` and ``error_messages`` map a field path without indices
    (``"items.quota"``) to the error code and the (lazy) message to answer for
    any error on that field; a code given for a path also covers the fields
    under it unless they have their own.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    error_codes: ClassVar[dict[str, str]] = {}
    error_messages: ClassVar[dict[str, Any]] = {}


class QueryModel(BaseModel):
    """Query-string parameters: strings from the URL converted to the declared types
    (``?limit=20`` is 20); unknown parameters are refused, as unknown body fields are
    (a misspelt filter must not silently answer something else)."""

    model_config = ConfigDict(extra="forbid", strict=False, allow_inf_nan=False)

    error_codes: ClassVar[dict[str, str]] = {}
    error_messages: ClassVar[dict[str, Any]] = {}


class ResponseModel(BaseModel):
    """A response body: documents what the server sends and keeps only that."""

    model_config = ConfigDict(extra="ignore")


class ErrorBody(ResponseModel):
    code: str = Field(description="Stable machine-readable reason, e.g. `invalid_quota`.")
    message: str = Field(description="Human-readable explanation in the user's language.")
    field: str | None = Field(
        default=None, description="Path of the refused field in the request body (`items[2].quota`), when one is."
    )


class ErrorResponse(ResponseModel):
    """Every client mistake: a 4xx status with this body."""

    error: ErrorBody


class ApiError(Exception):
    """A refused request: answered as ``{"error": {"code", "message", "field"?}}`` with ``status``."""

    def __init__(self, code, message, status=400, field=None):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


def parse_body(model, data):
    """The ``model`` instance for the raw JSON ``data`` (bytes), or :class:`ApiError` (400)."""
    try:
        return model.model_validate_json(data or b"null")
    except ValidationError as exc:
        raise validation_error(model, exc.errors(include_url=False)[0]) from None


# TypeAdapter per annotation (building one costs more than validating a header with it): the
# annotations are module constants (``IdempotencyKey``), keyed by identity, kept with their adapter.
_ADAPTERS = {}


def _adapter(annotation):
    cached = _ADAPTERS.get(id(annotation))
    if cached is None or cached[0] is not annotation:
        if len(_ADAPTERS) > 256:  # annotations built on the fly: never more than a few hundred kept
            _ADAPTERS.clear()
        cached = _ADAPTERS[id(annotation)] = (annotation, TypeAdapter(annotation))
    return cached[1]


def parse_value(annotation, value, path, model=None):
    """``value`` (e.g. a header) validated against ``annotation``, or :class:`ApiError` for ``path``."""
    try:
        return _adapter(annotation).validate_python(value, strict=True)
    except ValidationError as exc:
        error = dict(exc.errors(include_url=False)[0], loc=(path,))
        raise validation_error(model or RequestModel, error) from None


def parse_query(model, args):
    """The ``model`` (a :class:`QueryModel`) instance for a query string's ``args`` (a werkzeug
    ``MultiDict``), or :class:`ApiError` (400). A repeated parameter keeps its first value."""
    values = {key: args.get(key) for key in args}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise validation_error(model, exc.errors(include_url=False)[0]) from None


def _path(loc):
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def validation_error(model, error):
    """The :class:`ApiError` for one pydantic error dict of ``model``."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx") or {}
    names = [part for part in loc if isinstance(part, str)]
    if kind == "json_invalid" or not names:
        return ApiError("invalid_json", _lt("The body must be a JSON object."), field="")
    path, key = _path(loc), ".".join(names)
    if kind == "extra_forbidden":
        return ApiError("unknown_field", _lt("Unknown field: %s.", path), field=path)
    code = next(
        (
            model.error_codes[".".join(names[:n])]
            for n in range(len(names), 0, -1)
            if ".".join(names[:n]) in model.error_codes
        ),
        f"invalid_{names[-1]}",
    )
    message = model.error_messages.get(key) or _generic_message(kind, path, ctx)
    return ApiError(code, message, field=path)


_TYPE_MESSAGES = {
    "string": lambda path: _lt("%s must be a string.", path),
    "int": lambda path: _lt("%s must be an integer.", path),
    "float": lambda path: _lt("%s must be a number.", path),
    "bool": lambda path: _lt("%s must be true or false.", path),
    "list": lambda path: _lt("%s must be a list.", path),
    "model": lambda path: _lt("%s must be an object.", path),
    "dict": lambda path: _lt("%s must be an object.", path),
    "datetime": lambda path: _lt("%s must be a date and time (ISO 8601, e.g. 2026-12-01T10:00:00+08:00).", path),
}


def _generic_message(kind, path, ctx):
    if kind == "missing":
        return _lt("%s is required.", path)
    if kind == "finite_number":
        return _lt("%s must be a finite number.", path)
    if kind == "string_too_short":
        return _lt("%(field)s must have at least %(limit)s characters.", field=path, limit=ctx.get("min_length"))
    if kind == "string_too_long":
        return _lt("%(field)s must have at most %(limit)s characters.", field=path, limit=ctx.get("max_length"))
    if kind == "too_short":
        return _lt("%(field)s must have at least %(limit)s items.", field=path, limit=ctx.get("min_length"))
    if kind == "too_long":
        return _lt("%(field)s must have at most %(limit)s items.", field=path, limit=ctx.get("max_length"))
    if kind in ("greater_than_equal", "greater_than"):
        return _lt("%(field)s must be at least %(limit)s.", field=path, limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _lt("%(field)s must be at most %(limit)s.", field=path, limit=ctx.get("le", ctx.get("lt")))
    if kind == "string_pattern_mismatch":
        return _lt("%s contains characters that are not allowed.", path)
    family = kind.split("_", 1)[0]
    if family in _TYPE_MESSAGES and kind.endswith(("_type", "_parsing", "_from_float", "_attributes_type")):
        return _TYPE_MESSAGES[family](path)
    return _lt("%s is not valid.", path)


# ------------------------------------------------------------------ OpenAPI


@dataclass(frozen=True)
class Header:
    """A request header an operation reads, validated with :func:`parse_value` against ``annotation``."""

    name: str
    annotation: Any
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One route of the API, as the OpenAPI document describes it.

    ``errors`` maps each 4xx status the operation answers (besides the body's
    400 and, when ``secured``, 401/403) to a description of its error codes.
    """

    method: str
    path: str
    operation_id: str
    summary: str
    response: type
    request: type | None = None
    description: str = ""
    errors: tuple = ()  # ((status, description), ...)
    headers: tuple = ()
    secured: bool = True
    tag: str = ""
    query: type | None = None  # a QueryModel: its fields are the query parameters
    path_params: tuple = ()  # ((name, description), ...): integer ids in the path, e.g. ``{order_id}``


AUTH_ERRORS = (
    (401, "`unauthorized`: no API key, or a wrong, expired or revoked one (header `WWW-Authenticate: Bearer`)."),
    (403, "`forbidden`: the key is not a merchant API user's; `no_merchant`: its user has no merchant."),
)


def _json_content(ref):
    return {"application/json": {"schema": ref}}


def _query_parameters(model):
    schema = model.model_json_schema(mode="validation", ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", ()))
    for prop in schema.get("properties", {}).values():
        # An optional parameter is absent, never null: a query string has no null.
        variants = [v for v in prop.get("anyOf", ()) if v != {"type": "null"}]
        if "anyOf" in prop and len(variants) == 1:
            del prop["anyOf"]
            prop.update(variants[0])
        if prop.get("default", 0) is None:
            del prop["default"]
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.pop("description", ""),
            "schema": prop,
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def openapi_document(
    *,
    title,
    version,
    operations,
    description="",
    servers=(),
    auth_errors=AUTH_ERRORS,
    security_description="An Odoo API key of the user.",
):
    """The OpenAPI 3.1 document of ``operations`` (a JSON-serialisable dict).

    ``auth_errors`` are the ``(status, description)`` answers of every secured
    operation; ``security_description`` describes its bearer token.
    """
    models = {(ErrorResponse, "serialization")}
    for op in operations:
        models.add((op.response, "serialization"))
        if op.request:
            models.add((op.request, "validation"))
    refs, definitions = models_json_schema(
        sorted(models, key=lambda m: (m[0].__name__, m[1])), ref_template="#/components/schemas/{model}"
    )
    error_ref = refs[ErrorResponse, "serialization"]
    paths = {}
    for op in operations:
        responses = {"200": {"description": "Success.", "content": _json_content(refs[op.response, "serialization"])}}
        errors = dict(op.errors)
        if op.request:
            body_errors = (
                "`invalid_json`: the body is not a JSON object; `unknown_field`, `invalid_<field>`: see `field`."
            )
            errors[400] = f"{body_errors} {errors[400]}" if 400 in errors else body_errors
        if op.secured:
            errors = {**dict(auth_errors), **errors}
        for status, text in sorted(errors.items()):
            responses[str(status)] = {"description": text, "content": _json_content(error_ref)}
        operation = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "description": op.description,
            "responses": responses,
            "security": [{"bearerAuth": []}] if op.secured else [],
        }
        if op.tag:
            operation["tags"] = [op.tag]
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": text,
                "schema": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
            }
            for name, text in op.path_params
        ]
        if op.query:
            parameters += _query_parameters(op.query)
        if op.headers:
            parameters += [
                {
                    "name": header.name,
                    "in": "header",
                    "required": header.required,
                    "description": header.description,
                    "schema": TypeAdapter(header.annotation).json_schema(),
                }
                for header in op.headers
            ]
        if parameters:
            operation["parameters"] = parameters
        if op.request:
            operation["requestBody"] = {"required": True, "content": _json_content(refs[op.request, "validation"])}
        paths.setdefault(op.path, {})[op.method.lower()] = operation
    document = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": security_description}
            },
        },
    }
    if servers:
        document["servers"] = [{"url": url} for url in servers]
    return document
