# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Append-only evidence chains of records (plain Python, no ORM in here).

Each entry of a chain has a position ``sequence`` (1, 2, 3, … without gaps), the
SHA-256 of its canonical content (``content_hash``), the link hash of the entry
before it (``previous_hash``, :data:`GENESIS_HASH` for the first entry) and its
own link hash::

    chain_hash = sha256("<previous_hash>:<sequence>:<content_hash>")

Changing an entry's content changes its content hash; deleting, inserting or
reordering entries breaks a ``sequence`` or ``previous_hash`` link. So walking
the chain from the start names the first entry that was altered.

Content is serialised canonically: a JSON object with sorted keys, no
whitespace, UTF-8, where every value is ``None``, a bool, an int, a string or a
list of those. Money and other decimals are exact strings (``"199.00"``), never
floats, so the hash does not depend on float formatting.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

GENESIS_HASH = "0" * 64


class HashChainError(ValueError):
    """A value cannot be serialised canonically."""


def decimal_str(value, digits):
    """Exact string of a decimal amount with ``digits`` places (half up), e.g. ``"199.00"``.

    Floats go through their shortest repr first, so ``0.1 + 0.2`` with 2 digits
    is ``"0.30"`` on every machine.
    """
    if value is None or value is False:
        value = 0
    if isinstance(value, bool):
        raise HashChainError(f"not an amount: {value!r}")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise HashChainError(f"not a finite amount: {value!r}")
        value = Decimal(repr(value))
    value = Decimal(value)
    quantum = Decimal(1).scaleb(-int(digits))
    result = value.quantize(quantum, rounding="ROUND_HALF_UP")
    if result == 0:
        result = abs(result)  # "-0.00" and "0.00" are the same amount
    return format(result, "f")


def canonical_value(value):
    """The canonical JSON-able form of one value.

    ``None`` stays ``None``; bools, ints and strings stay; ``Decimal`` becomes its
    exact string; dates and datetimes their ISO form (``YYYY-MM-DD`` /
    ``YYYY-MM-DD HH:MM:SS``); lists and tuples are converted item by item. Floats
    are refused: convert them with :func:`decimal_str` and the field's precision.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise HashChainError(f"not a finite number: {value!r}")
        return format(value, "f")
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [canonical_value(item) for item in value]
    raise HashChainError(f"cannot hash a value of type {type(value).__name__}: {value!r}")


def serialize(content):
    """Canonical bytes of a mapping ``{name: value}``: sorted-key JSON, no spaces, UTF-8."""
    if not isinstance(content, dict):
        raise HashChainError("content must be a mapping of names to values")
    canonical = {str(key): canonical_value(value) for key, value in content.items()}
    return json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def content_hash(content):
    """SHA-256 (hex) of the canonical serialisation of ``content``."""
    return hashlib.sha256(serialize(content)).hexdigest()


def link_hash(previous_hash, sequence, content_digest):
    """The link hash of an entry: SHA-256 of ``previous_hash:sequence:content_hash``."""
    return hashlib.sha256(f"{previous_hash}:{int(sequence)}:{content_digest}".encode("ascii")).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """The hash fields of one new entry of a chain."""

    sequence: int
    previous_hash: str
    content_hash: str
    chain_hash: str


def extend(head_sequence, head_hash, contents):
    """Links for new entries appended after the head (``0, GENESIS_HASH`` for an empty chain).

    :param contents: the entries' content mappings, in chain order
    :return: a list of :class:`ChainLink`, one per content
    """
    links = []
    sequence, previous = int(head_sequence or 0), head_hash or GENESIS_HASH
    for content in contents:
        sequence += 1
        digest = content_hash(content)
        chained = link_hash(previous, sequence, digest)
        links.append(ChainLink(sequence, previous, digest, chained))
        previous = chained
    return links


@dataclass(frozen=True)
class ChainBreak:
    """The first place where a chain is broken."""

    ref: object  # the caller's reference of the entry (a record id), None when the tail was cut
    sequence: int  # the position expected at that place
    reason: str  # missing | inserted | content | link | tail


def verify(entries, head=None):
    """Walk a chain in order and return the first :class:`ChainBreak`, or ``None``.

    :param entries: iterable of ``(ref, sequence, previous_hash, content_hash,
        chain_hash, current_content)`` in ascending ``sequence`` order, where
        ``current_content`` is the entry's content as it is now (re-hashed here)
    :param head: optional ``(sequence, chain_hash)`` of the last entry as
        recorded when it was appended; detects entries cut off the end
    Reasons: ``missing`` (a position was skipped: entries deleted before this
    one), ``inserted`` (a position appears twice or goes backwards), ``content``
    (the content no longer matches its hash), ``link`` (the stored hashes do not
    link to the previous entry), ``tail`` (entries after the last one are gone).
    With ``head``, an entry past the recorded head is ``inserted``.
    """
    head_sequence, head_hash = head if head is not None else (None, None)
    expected_sequence, previous = 1, GENESIS_HASH
    for ref, sequence, previous_hash, stored_content_hash, stored_chain_hash, current_content in entries:
        if sequence is None or sequence < expected_sequence:
            return ChainBreak(ref, expected_sequence, "inserted")
        if head is not None and sequence > (head_sequence or 0):
            # Appended after the recorded head, i.e. not through the chain.
            return ChainBreak(ref, sequence, "inserted")
        if sequence > expected_sequence:
            return ChainBreak(ref, expected_sequence, "missing")
        if content_hash(current_content) != stored_content_hash:
            return ChainBreak(ref, sequence, "content")
        if previous_hash != previous or link_hash(previous, sequence, stored_content_hash) != stored_chain_hash:
            return ChainBreak(ref, sequence, "link")
        expected_sequence, previous = sequence + 1, stored_chain_hash
    if head is not None:
        if (head_sequence or 0) > expected_sequence - 1:
            return ChainBreak(None, expected_sequence, "tail")
        if (head_hash or GENESIS_HASH) != previous:
            return ChainBreak(None, expected_sequence - 1, "link")
    return None
