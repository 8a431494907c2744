# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A transaction left open across a rollup run is counted by the next run.

Real, committed transactions (the cron's own cursors): the test's data is committed in
cursors of its own and removed afterwards.
"""

import datetime

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.city_base.tests.common import ThreadedCursorsMixin

from ..tools import generate


@tagged("post_install", "-at_install")
class TestLateCommit(ThreadedCursorsMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            category = env.ref("city_base.merchant_category_dining")
            self.merchant = env["res.partner"].create(
                {"name": "迟到提交餐厅", "is_company": True, "is_merchant": True, "merchant_category_id": category.id}
            )
            self.member = env["res.partner"].create({"name": "迟到提交会员", "is_member": True})
            self.company_id, self.currency_id = env.company.id, env.company.currency_id.id
        self.addCleanup(self._cleanup)
        self.at = fields.Datetime.now() - datetime.timedelta(hours=1)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            for table in ("city_dashboard_slot", "city_dashboard_member_day", "city_escrow"):
                cr.execute(SQL("DELETE FROM %s WHERE merchant_id = %s", SQL.identifier(table), self.merchant.id))
            cr.execute(SQL("DELETE FROM sale_order WHERE partner_id = %s", self.member.id))
            cr.execute(SQL("DELETE FROM res_partner WHERE id IN %s", (self.merchant.id, self.member.id)))
            api.Environment(cr, SUPERUSER_ID, {})["city.dashboard.rollup"]._city_rebuild_district()

    def _insert(self, cr, amount):
        return generate.insert_orders(
            cr, self.company_id, self.currency_id, [(self.member.id, self.merchant.id, self.at, [amount])]
        )

    def _run_cron(self):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["city.dashboard.rollup"]._cron_refresh()

    def _rollup(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT COALESCE(SUM(orders), 0), COALESCE(SUM(gmv), 0) FROM city_dashboard_slot"
                    " WHERE merchant_id = %s",
                    self.merchant.id,
                )
            )
            orders, gmv = cr.fetchone()
            cr.execute(
                SQL(
                    "SELECT COUNT(*), COALESCE(SUM(amount_paid), 0), MIN(id) FROM city_escrow WHERE merchant_id = %s",
                    self.merchant.id,
                )
            )
            base_orders, base_gmv, _first = cr.fetchone()
            return (orders, float(gmv)), (base_orders, float(base_gmv))

    def _escrow_ids(self):
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT id FROM city_escrow WHERE merchant_id = %s ORDER BY id", self.merchant.id))
            return [row[0] for row in cr.fetchall()]

    def test_transaction_open_across_a_run_is_counted(self):
        with self.registry.cursor() as cr:
            self._insert(cr, 10.0)
        self._run_cron()
        self.assertEqual(self._rollup()[0], (1, 10.0))
        # A paying transaction starts and writes its line, but does not commit yet...
        late = self.registry.cursor()
        try:
            self._insert(late, 200.0)
            # ...while a quicker one commits a line with a higher id,
            with self.registry.cursor() as cr:
                self._insert(cr, 30.0)
            # and a run happens: it sees the quick line only.
            self._run_cron()
            self.assertEqual(self._rollup()[0], (2, 40.0))
            late.commit()
        finally:
            late.close()
        ids = self._escrow_ids()
        self.assertLess(ids[1], ids[2], "the late line's id is below a line the previous run saw")
        self._run_cron()
        rollup, base = self._rollup()
        self.assertEqual(rollup, (3, 240.0))
        self.assertEqual(rollup, base)
        self._assert_district_visits()

    def _assert_district_visits(self):
        """The member's district visit holds the late line too, and the gap rows are those of a rebuild."""
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT orders FROM city_dashboard_member_visit WHERE partner_id = %s", self.member.id))
            self.assertEqual(cr.fetchall(), [(3,)])
            rollup = api.Environment(cr, SUPERUSER_ID, {})["city.dashboard.rollup"]
            fresh = rollup._city_gap_rows(
                SQL("SELECT company_id, partner_id, day, orders, TRUE AS emit FROM city_dashboard_member_visit")
            )
            cr.execute(
                SQL(
                    "(SELECT * FROM (%s) g EXCEPT ALL SELECT company_id, day, gap_prev, gap_next, members"
                    " FROM city_dashboard_member_gap) UNION ALL (SELECT company_id, day, gap_prev, gap_next,"
                    " members FROM city_dashboard_member_gap EXCEPT ALL SELECT * FROM (%s) g)",
                    fresh,
                    fresh,
                )
            )
            self.assertEqual(cr.fetchall(), [])
            fresh = rollup._city_gap_rows(rollup._city_merchant_visits(), key="merchant_id")
            cr.execute(
                SQL(
                    "(SELECT * FROM (%s) g EXCEPT ALL SELECT company_id, merchant_id, day, gap_prev, gap_next,"
                    " members FROM city_dashboard_merchant_gap) UNION ALL (SELECT company_id, merchant_id, day,"
                    " gap_prev, gap_next, members FROM city_dashboard_merchant_gap EXCEPT ALL SELECT * FROM (%s) g)",
                    fresh,
                    fresh,
                )
            )
            self.assertEqual(cr.fetchall(), [], "the merchant's gap rows hold the late line too")
