# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The evidence-chain hashing helpers (plain Python, no database)."""

import itertools
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from odoo.addons.city_base.tools.hashchain import (
    GENESIS_HASH,
    HashChainError,
    content_hash,
    decimal_str,
    extend,
    link_hash,
    serialize,
    verify,
)


def _chain(contents):
    links = extend(0, GENESIS_HASH, contents)
    return [
        [ref, link.sequence, link.previous_hash, link.content_hash, link.chain_hash, dict(content)]
        for ref, (link, content) in enumerate(zip(links, contents, strict=True), start=100)
    ], (links[-1].sequence, links[-1].chain_hash) if links else (0, None)


@tagged("post_install", "-at_install")
class TestSerialisation(BaseCase):
    def test_decimal_str_is_exact(self):
        self.assertEqual(decimal_str(199, 2), "199.00")
        self.assertEqual(decimal_str(0.1 + 0.2, 2), "0.30")
        self.assertEqual(decimal_str(Decimal("1.005"), 2), "1.01")
        self.assertEqual(decimal_str(-0.0, 2), "0.00")
        self.assertEqual(decimal_str(-12.345, 2), "-12.35")
        self.assertEqual(decimal_str(False, 2), "0.00")
        self.assertEqual(decimal_str("7", 0), "7")
        with self.assertRaises(HashChainError):
            decimal_str(float("nan"), 2)

    def test_serialize_is_canonical(self):
        a = serialize({"b": 1, "a": "美甲店", "c": [3, 1], "d": None, "e": True})
        b = serialize({"e": True, "d": None, "c": [3, 1], "a": "美甲店", "b": 1})
        self.assertEqual(a, b)
        self.assertEqual(a, '{"a":"美甲店","b":1,"c":[3,1],"d":null,"e":true}'.encode())
        self.assertEqual(
            serialize({"d": date(2026, 1, 2), "t": datetime(2026, 1, 2, 3, 4, 5, 678)}),
            b'{"d":"2026-01-02","t":"2026-01-02 03:04:05"}',
        )
        self.assertEqual(serialize({"x": Decimal("19.90")}), b'{"x":"19.90"}')

    def test_floats_and_unknown_types_are_refused(self):
        with self.assertRaises(HashChainError):
            serialize({"amount": 19.9})
        with self.assertRaises(HashChainError):
            serialize({"x": object()})
        with self.assertRaises(HashChainError):
            serialize([("a", 1)])

    def test_types_are_distinguished(self):
        self.assertNotEqual(content_hash({"a": 1}), content_hash({"a": "1"}))
        self.assertNotEqual(content_hash({"a": None}), content_hash({"a": False}))
        self.assertEqual(len(content_hash({})), 64)


@tagged("post_install", "-at_install")
class TestChain(BaseCase):
    def setUp(self):
        super().setUp()
        self.contents = [{"id": i, "amount": decimal_str(i * 10.5, 2), "merchant_id": i % 3} for i in range(1, 8)]
        self.entries, self.head = _chain(self.contents)

    def test_extend_links_entries(self):
        links = extend(0, None, self.contents)
        self.assertEqual([link.sequence for link in links], list(range(1, 8)))
        self.assertEqual(links[0].previous_hash, GENESIS_HASH)
        for before, after in itertools.pairwise(links):
            self.assertEqual(after.previous_hash, before.chain_hash)
            self.assertEqual(after.chain_hash, link_hash(before.chain_hash, after.sequence, after.content_hash))
        # Appending later continues from the head.
        more = extend(links[-1].sequence, links[-1].chain_hash, [{"id": 99}])
        self.assertEqual(more[0].sequence, 8)
        self.assertEqual(more[0].previous_hash, links[-1].chain_hash)

    def test_intact_chain_verifies(self):
        self.assertIsNone(verify(self.entries))
        self.assertIsNone(verify(self.entries, head=self.head))
        self.assertIsNone(verify([], head=(0, None)))

    def test_altered_content_names_the_record(self):
        self.entries[3][5]["amount"] = "999.00"
        self.entries[5][5]["amount"] = "1.00"
        found = verify(self.entries, head=self.head)
        self.assertEqual((found.ref, found.sequence, found.reason), (103, 4, "content"))

    def test_recomputed_hashes_break_the_link(self):
        # Someone rewrites the content and its content hash: the next link no longer holds.
        entry = self.entries[2]
        entry[5]["amount"] = "0.01"
        entry[3] = content_hash(entry[5])
        found = verify(self.entries)
        self.assertEqual((found.ref, found.reason), (102, "link"))

    def test_deleted_record(self):
        del self.entries[2]
        found = verify(self.entries, head=self.head)
        self.assertEqual((found.ref, found.sequence, found.reason), (103, 3, "missing"))

    def test_deleted_tail(self):
        del self.entries[-2:]
        found = verify(self.entries, head=self.head)
        self.assertEqual((found.ref, found.sequence, found.reason), (None, 6, "tail"))
        self.assertIsNone(verify(self.entries), "without the head a cut tail is not visible")

    def test_inserted_record(self):
        forged = list(self.entries[2])
        forged[0] = 999
        self.entries.insert(3, forged)
        found = verify(self.entries, head=self.head)
        self.assertEqual((found.ref, found.reason), (999, "inserted"))

    def test_appended_past_head(self):
        link = extend(self.head[0], self.head[1], [{"id": 500}])[0]
        self.entries.append([500, link.sequence, link.previous_hash, link.content_hash, link.chain_hash, {"id": 500}])
        self.assertIsNone(verify(self.entries))
        found = verify(self.entries, head=self.head)
        self.assertEqual((found.ref, found.sequence, found.reason), (500, 8, "inserted"))

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=30),
        st.data(),
    )
    def test_any_single_alteration_is_found_at_its_place(self, amounts, data):
        contents = [{"id": i, "amount": decimal_str(Decimal(a) / 100, 2)} for i, a in enumerate(amounts)]
        entries, head = _chain(contents)
        index = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
        kind = data.draw(st.sampled_from(["content", "delete"]))
        if kind == "content":
            entries[index][5]["amount"] = decimal_str(Decimal(amounts[index] + 1) / 100, 2)
            expected = (entries[index][0], "content")
        else:
            removed = entries.pop(index)
            expected = (entries[index][0], "missing") if index < len(entries) else (None, "tail")
            self.assertEqual(removed[1], index + 1)
        found = verify(entries, head=head)
        self.assertIsNotNone(found)
        self.assertEqual((found.ref, found.reason), expected)
        self.assertEqual(found.sequence, index + 1)
