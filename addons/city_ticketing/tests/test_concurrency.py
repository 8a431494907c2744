# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Real parallel transactions on committed data: the hot paths never double-spend."""

import threading

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.city_base.tests.common import ThreadedCursorsMixin

from ..models.city_ticket import CityTicketError


@tagged("post_install", "-at_install")
class TestConcurrency(ThreadedCursorsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = cls._committed(cls._setup_data)

    @classmethod
    def tearDownClass(cls):
        cls._committed(cls._cleanup_data)
        super().tearDownClass()

    @classmethod
    def _committed(cls, func):
        with cls.registry.cursor() as cr:
            result = func(api.Environment(cr, SUPERUSER_ID, {}))
            cr.commit()  # pylint: disable=invalid-commit
        return result

    @staticmethod
    def _setup_data(env):
        merchant = env["res.partner"].create(
            {
                "name": "并发测试火锅店",
                "is_company": True,
                "is_merchant": True,
                "merchant_category_id": env["city.merchant.category"].search([], limit=1).id,
            }
        )
        member = env["res.partner"].create({"name": "并发测试会员", "is_member": True})
        # Quota 0 at creation (no inventory adjustment to clean up); the counter is what is tested.
        template = env["product.template"].create(
            {"name": "并发测试券", "city_ticket_type": "voucher", "list_price": 10, "merchant_id": merchant.id}
        )
        template.flush_recordset()
        env.cr.execute("UPDATE product_template SET city_quota = 40, city_sold_qty = 30 WHERE id = %s", [template.id])
        ticket = env["city.ticket"].create(
            {
                "merchant_id": merchant.id,
                "partner_id": member.id,
                "product_id": template.product_variant_id.id,
                "paid_fen": 1000,
            }
        )
        return {"merchant": merchant.id, "member": member.id, "template": template.id, "ticket": ticket.id}

    @classmethod
    def _cleanup_data(cls, env):
        env.cr.execute("DELETE FROM city_ticket_redemption WHERE ticket_id = %s", [cls.ids["ticket"]])
        env.cr.execute("DELETE FROM city_ticket WHERE id = %s", [cls.ids["ticket"]])
        env["product.template"].browse(cls.ids["template"]).unlink()
        env["res.partner"].browse(cls.ids["member"]).unlink()
        env["res.partner"].browse(cls.ids["merchant"]).active = False  # merchants keep their history

    def _run_parallel(self, count, func, connections=None):
        """Run ``func`` in ``count`` threads released at once; at most ``connections``
        of them hold a database connection at a time (the PostgreSQL server is shared)."""
        barrier = threading.Barrier(count)
        slots = threading.BoundedSemaphore(connections or count)
        results = [None] * count

        def worker(index):
            barrier.wait()
            with slots:
                results[index] = func()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        return results

    def _redeem_once(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            code = env["city.ticket"].browse(self.ids["ticket"]).manual_code
            merchant = env["res.partner"].browse(self.ids["merchant"])
            try:
                env["city.ticket"]._redeem_code(code, merchant=merchant)
                cr.commit()  # pylint: disable=invalid-commit
            except CityTicketError as exc:
                cr.rollback()
                return exc.code
            return "ok"

    def test_20_simultaneous_redemptions_give_exactly_one_success(self):
        results = self._run_parallel(20, self._redeem_once)
        self.assertEqual(results.count("ok"), 1, results)
        self.assertTrue(set(results) <= {"ok", "busy", "already_redeemed"}, results)
        # Late scans get the clear answer.
        self.assertEqual(self._redeem_once(), "already_redeemed")
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM city_ticket_redemption WHERE ticket_id = %s", [self.ids["ticket"]])
            self.assertEqual(cr.fetchone()[0], 1)
            cr.execute("SELECT uses_done, state FROM city_ticket WHERE id = %s", [self.ids["ticket"]])
            self.assertEqual(cr.fetchone(), (1, "redeemed"))

    def _buy_one(self):
        # Like Odoo's request handler: a serialization failure re-runs the transaction.
        for _attempt in range(10):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    env["product.template"].browse(self.ids["template"])._city_reserve_quota(1)
                    cr.commit()  # pylint: disable=invalid-commit
                    return "sold"
                except UserError:
                    cr.rollback()
                    return "sold_out"
                except psycopg2.errors.SerializationFailure:
                    cr.rollback()
        return "gave_up"

    def test_50_buyers_for_the_last_10_units(self):
        results = self._run_parallel(50, self._buy_one, connections=16)
        self.assertEqual(results.count("sold"), 10, results)
        self.assertEqual(results.count("sold_out"), 40, results)
        with self.registry.cursor() as cr:
            cr.execute("SELECT city_sold_qty, city_quota FROM product_template WHERE id = %s", [self.ids["template"]])
            self.assertEqual(cr.fetchone(), (40, 40))
