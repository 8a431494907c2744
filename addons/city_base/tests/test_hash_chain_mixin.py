# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""city.hash.chain.mixin on a real model (city.hash.chain.check, the log of checks)."""

import itertools
import threading

from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.city_base.models.city_hash_chain_mixin import hash_chain_value
from odoo.addons.city_base.tests.common import CityTestCommon, ThreadedCursorsMixin

MODEL = "city.hash.chain.check"


@tagged("post_install", "-at_install")
class TestHashChainMixin(CityTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Check = cls.env[MODEL]

    def _create(self, count, start=0):
        return self.Check.create(
            [
                {
                    "res_model": f"test.model.{start + i}",
                    "state": "ok",
                    "record_count": start + i,
                    "message": f"第{start + i}次检查",
                }
                for i in range(count)
            ]
        )

    def _sql(self, query):
        self.env.flush_all()
        self.env.cr.execute(query)
        self.env.invalidate_all()

    def test_batch_create_is_chained_in_order(self):
        head_before = self.env["city.hash.chain.head"].search([("name", "=", MODEL)]).last_sequence or 0
        records = self._create(5)
        self.assertEqual(records.mapped("chain_sequence"), list(range(head_before + 1, head_before + 6)))
        for before, after in itertools.pairwise(records):
            self.assertEqual(after.chain_previous_hash, before.chain_hash)
        head = self.env["city.hash.chain.head"].search([("name", "=", MODEL)])
        self.assertEqual((head.last_sequence, head.last_hash), (records[-1].chain_sequence, records[-1].chain_hash))
        more = self._create(1, start=5)
        self.assertEqual(more.chain_previous_hash, records[-1].chain_hash)
        result = self.Check._verify_hash_chain()
        self.assertTrue(result["ok"], result["message"])
        self.assertGreaterEqual(result["checked"], 6)

    def test_protected_fields_and_deletion(self):
        record = self._create(1)
        with self.assertRaises(UserError):
            record.write({"message": "改过的结果"})
        with self.assertRaises(UserError):
            record.sudo().write({"record_count": 7})
        with self.assertRaises(UserError):
            record.write({"chain_hash": "0" * 64})
        with self.assertRaises(UserError):
            self.Check.create({"res_model": "x", "state": "ok", "chain_sequence": 1})
        with self.assertRaises(UserError):
            record.sudo().unlink()

    def test_content_altered_in_sql_names_the_record(self):
        records = self._create(4)
        self._sql(SQL("UPDATE city_hash_chain_check SET record_count = 999 WHERE id = %s", records[1].id))
        self._sql(SQL("UPDATE city_hash_chain_check SET message = 'x' WHERE id = %s", records[3].id))
        result = self.Check._verify_hash_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["record"], records[1])
        self.assertEqual(result["reason"], "content")
        self.assertEqual(result["sequence"], records[1].chain_sequence)
        self.assertIn(f"#{records[1].id}", result["message"])
        with self.assertRaisesRegex(UserError, f"#{records[1].id}"):
            self.Check._verify_hash_chain(raise_if_broken=True)

    def test_deleted_record_is_found(self):
        records = self._create(3)
        deleted_sequence = records[1].chain_sequence
        self._sql(SQL("DELETE FROM city_hash_chain_check WHERE id = %s", records[1].id))
        result = self.Check._verify_hash_chain()
        self.assertEqual((result["reason"], result["record"]), ("missing", records[2]))
        self.assertEqual(result["sequence"], deleted_sequence)

    def test_deleted_last_record_is_found(self):
        records = self._create(3)
        deleted_sequence = records[2].chain_sequence
        self._sql(SQL("DELETE FROM city_hash_chain_check WHERE id = %s", records[2].id))
        result = self.Check._verify_hash_chain()
        self.assertEqual(result["reason"], "tail")
        self.assertEqual(result["sequence"], deleted_sequence)

    def test_inserted_record_is_found(self):
        records = self._create(2)
        self._sql(
            SQL(
                """INSERT INTO city_hash_chain_check (check_date, res_model, state, record_count)
                   VALUES (now(), 'forged', 'ok', 1) RETURNING id"""
            )
        )
        forged_id = self.env.cr.fetchone()[0]
        result = self.Check._verify_hash_chain()
        self.assertEqual((result["reason"], result["record"].id), ("unchained", forged_id))
        # A forged copy of a chained record's hashes is caught as an insertion too.
        self._sql(SQL("DELETE FROM city_hash_chain_check WHERE id = %s", forged_id))
        self._sql(
            SQL(
                """INSERT INTO city_hash_chain_check (check_date, res_model, state, record_count, chain_sequence,
                        chain_previous_hash, chain_content_hash, chain_hash)
                   SELECT check_date, res_model, state, record_count, chain_sequence, chain_previous_hash,
                          chain_content_hash, chain_hash FROM city_hash_chain_check WHERE id = %s RETURNING id""",
                records[0].id,
            )
        )
        forged_id = self.env.cr.fetchone()[0]
        result = self.Check._verify_hash_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["record"].id, forged_id)

    def test_cron_checks_every_chained_model_and_notifies_operators(self):
        Head = self.env["city.hash.chain.head"]
        self.assertIn(MODEL, Head._hash_chain_model_names())
        self._create(2)
        results = Head._cron_verify_hash_chains()
        self.assertTrue(all(r["ok"] for r in results), [r["message"] for r in results])

        records = self._create(2, start=10)
        self._sql(SQL("UPDATE city_hash_chain_check SET state = 'broken' WHERE id = %s", records[0].id))
        with self.assertLogs("odoo.addons.city_base.models.city_hash_chain_head", level="ERROR") as logs:
            results = Head._cron_verify_hash_chains()
        broken = [r for r in results if not r["ok"]]
        self.assertEqual(len(broken), 1)
        self.assertEqual(broken[0]["record"], records[0])
        self.assertIn(f"#{records[0].id}", logs.output[0])
        head = Head.search([("name", "=", MODEL)])
        self.assertFalse(head.last_check_ok)
        self.assertIn(f"#{records[0].id}", head.message_ids[0].body)
        self.assertIn(self.operator.partner_id, head.message_ids[0].partner_ids)
        activity = head.activity_ids.filtered(lambda a: a.user_id == self.operator)
        self.assertEqual(len(activity), 1)
        # Run again: no second to-do while the first is open.
        with self.assertLogs("odoo.addons.city_base.models.city_hash_chain_head", level="ERROR"):
            Head._cron_verify_hash_chains()
        self.assertEqual(len(head.activity_ids.filtered(lambda a: a.user_id == self.operator)), 1)
        # The verify button reports the break too.
        action = head.with_user(self.operator).action_verify()
        self.assertEqual(action["params"]["type"], "danger")

    def test_access(self):
        record = self._create(1)
        record.with_user(self.accountant).read(["message"])
        record.with_user(self.operator).read(["message"])
        self.env["city.hash.chain.head"].with_user(self.operator).search([]).read(["last_sequence"])
        with self.assertRaises(Exception):  # noqa: B017 (AccessError)
            record.with_user(self.staff_a).read(["message"])

    def test_hash_values_by_field_type(self):
        product = self.env["product.template"].create({"name": "¥199 三店套餐", "list_price": 199.0})
        self.assertEqual(hash_chain_value(product, "list_price"), "199.00")
        self.assertEqual(hash_chain_value(product, "categ_id"), product.categ_id.id)
        self.assertEqual(hash_chain_value(product, "name"), "¥199 三店套餐")
        self.assertEqual(hash_chain_value(product, "sale_ok"), True)
        self.assertEqual(hash_chain_value(product, "description"), None)
        self.assertIsInstance(hash_chain_value(product, "create_date"), str)
        self.assertEqual(hash_chain_value(self.merchant_a, "category_id"), sorted(self.merchant_a.category_id.ids))


@tagged("post_install", "-at_install")
class TestHashChainConcurrency(ThreadedCursorsMixin, CityTestCommon):
    """Two transactions appending to the same chain at once never fork it."""

    def test_parallel_appends_keep_one_chain(self):
        registry = self.registry
        with registry.cursor() as cr:
            cr.execute(SQL("SELECT last_sequence, last_hash FROM city_hash_chain_head WHERE name = %s", MODEL))
            head_before = cr.fetchone()
            cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM city_hash_chain_check"))
            max_id_before = cr.fetchone()[0]
        barrier = threading.Barrier(2)
        errors, retries = [], []

        def worker(tag):
            try:
                for attempt in range(10):
                    try:
                        with registry.cursor() as cr:
                            env = self.env(cr=cr)
                            cr.execute("SELECT 1")  # take the snapshot before the other commits
                            if attempt == 0:
                                barrier.wait(timeout=30)
                            env[MODEL].create(
                                [
                                    {"res_model": f"parallel.{tag}.{i}", "state": "ok", "record_count": i}
                                    for i in range(5)
                                ]
                            )
                        return
                    except pg_errors.SerializationFailure:
                        retries.append(tag)  # Odoo retries such a transaction; so do we
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(tag,)) for tag in ("a", "b")]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            self.assertFalse(errors, errors)
            with registry.cursor() as cr:
                env = self.env(cr=cr)
                created = env[MODEL].search([("id", ">", max_id_before)], order="chain_sequence")
                self.assertEqual(len(created), 10)
                start = (head_before[0] if head_before else 0) + 1
                self.assertEqual(created.mapped("chain_sequence"), list(range(start, start + 10)))
                result = env[MODEL]._verify_hash_chain()
                self.assertTrue(result["ok"], result["message"])
        finally:
            with registry.cursor() as cr:
                cr.execute(SQL("DELETE FROM city_hash_chain_check WHERE id > %s", max_id_before))
                if head_before:
                    cr.execute(
                        SQL(
                            "UPDATE city_hash_chain_head SET last_sequence = %s, last_hash = %s WHERE name = %s",
                            head_before[0],
                            head_before[1],
                            MODEL,
                        )
                    )
                else:
                    cr.execute(SQL("DELETE FROM city_hash_chain_head WHERE name = %s", MODEL))
