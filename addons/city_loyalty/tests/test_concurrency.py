# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Real parallel transactions against one wallet: never more spent than the balance."""

import threading

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.city_base.tests.common import ThreadedCursorsMixin


@tagged("post_install", "-at_install")
class TestConcurrentSpend(ThreadedCursorsMixin, TransactionCase):
    THREADS = 20
    SPEND = 15
    BALANCE = 100

    def setUp(self):
        super().setUp()
        # Committed in its own cursor: the threads must see it.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "并发会员", "is_member": True})
            wallet = env["city.points.wallet"]._get_wallets(partner)
            wallet._earn(60)
            wallet._earn(40)
            self.partner_id, self.wallet_id = partner.id, wallet.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            for table in ("city_points_lot_consumption", "city_points_ledger"):
                cr.execute(SQL("DELETE FROM %s WHERE wallet_id = %s", SQL.identifier(table), self.wallet_id))
            cr.execute(SQL("DELETE FROM city_points_wallet WHERE id = %s", self.wallet_id))
            cr.execute(SQL("DELETE FROM res_partner WHERE id = %s", self.partner_id))

    def _spend_once(self, results, barrier):
        barrier.wait()
        # Like Odoo's request retry: serialization failures and busy wallets are retried.
        for _attempt in range(30):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["city.points.wallet"].browse(self.wallet_id)._spend(self.SPEND, nowait=True)
                results.append("ok")
                return
            except UserError as exc:
                if "busy" in str(exc):
                    continue
                results.append("refused")
                return
            except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable, pg_errors.DeadlockDetected):
                continue
        results.append("gave up")

    def test_parallel_spends(self):
        results = []
        barrier = threading.Barrier(self.THREADS)
        threads = [threading.Thread(target=self._spend_once, args=(results, barrier)) for _ in range(self.THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(results), self.THREADS)
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT balance FROM city_points_wallet WHERE id = %s", self.wallet_id))
            balance = cr.fetchone()[0]
            cr.execute(
                SQL(
                    "SELECT COALESCE(SUM(points), 0), COUNT(*) FILTER (WHERE kind = 'spend') "
                    "FROM city_points_ledger WHERE wallet_id = %s",
                    self.wallet_id,
                )
            )
            ledger_sum, spends = cr.fetchone()
        spent = spends * self.SPEND
        self.assertLessEqual(spent, self.BALANCE)
        self.assertEqual(results.count("ok"), spends)
        self.assertEqual(balance, self.BALANCE - spent)
        self.assertEqual(balance, ledger_sum)
        self.assertGreaterEqual(balance, 0)
        # Every spend that could be served was served: 6 × 15 ≤ 100 < 7 × 15.
        self.assertEqual(spends, self.BALANCE // self.SPEND, results)
