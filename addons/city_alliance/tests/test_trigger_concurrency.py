# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Real parallel payments against one trigger: its cap per member and its budget hold.

Each thread is one payment's transaction followed by the event cron's (its own
cursors, started together): the payment appends its order-paid event as
``sale.order._city_on_paid`` does, the cron evaluates it. Two evaluations that
counted the same issue log collide on the log's unique slots; the loser's event
stays pending and is evaluated again, as the next cron run would.
"""

import threading
from datetime import datetime

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.city_base.tests.common import ThreadedCursorsMixin


@tagged("post_install", "-at_install")
class TestTriggerConcurrency(ThreadedCursorsMixin, TransactionCase):
    BUDGET = 3
    # Eight payments at once: four by the same member, one each by four others.
    PAYERS = (0, 0, 0, 0, 1, 2, 3, 4)

    def setUp(self):
        super().setUp()
        # Committed in its own cursor: the threads must see it.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            dining = env.ref("city_base.merchant_category_dining")
            Partner = env["res.partner"]
            shop, partner_shop = Partner.create(
                [
                    {"name": name, "is_company": True, "is_merchant": True, "merchant_category_id": dining.id}
                    for name in ("并发火锅", "并发KTV")
                ]
            )
            members = Partner.create([{"name": f"并发会员{n}", "is_member": True} for n in range(5)])
            program = env["loyalty.program"].create(
                {
                    "name": "并发KTV券",
                    "program_type": "coupons",
                    "city_merchant_id": partner_shop.id,
                    "reward_ids": [Command.create({"reward_type": "discount", "discount": 10})],
                }
            )
            alliance = env["city.alliance"].create(
                {
                    "name": "并发联盟",
                    "state": "active",
                    "member_ids": [
                        Command.create({"merchant_id": shop.id, "state": "approved"}),
                        Command.create({"merchant_id": partner_shop.id, "state": "approved"}),
                    ],
                }
            )
            trigger = env["city.alliance.trigger"].create(
                {
                    "name": "并发送券",
                    "alliance_id": alliance.id,
                    "source_merchant_ids": [Command.set(shop.ids)],
                    "partner_merchant_id": partner_shop.id,
                    "program_id": program.id,
                    "cap_per_member": 1,
                    "cap_period": "day",
                    "budget_qty": self.BUDGET,
                }
            )
            self.data = {
                "shop": shop.id,
                "partners": (shop | partner_shop | members).ids,
                "members": members.ids,
                "program": program.id,
                "alliance": alliance.id,
                "trigger": trigger.id,
                "company": env.company.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        ids = self.data
        with self.registry.cursor() as cr:
            cr.execute(SQL("DELETE FROM city_coupon_issue WHERE trigger_id = %s", ids["trigger"]))
            cr.execute(SQL("DELETE FROM loyalty_card WHERE program_id = %s", ids["program"]))
            cr.execute(SQL("DELETE FROM city_alliance_event WHERE partner_id = ANY(%s)", ids["members"]))
            cr.execute(SQL("DELETE FROM city_alliance_trigger_source_rel WHERE trigger_id = %s", ids["trigger"]))
            cr.execute(SQL("DELETE FROM city_alliance_trigger WHERE id = %s", ids["trigger"]))
            # Archived, not deleted (as the suite keeps them): nothing else refers to them.
            cr.execute(SQL("UPDATE city_alliance SET active = FALSE, state = 'closed' WHERE id = %s", ids["alliance"]))
            cr.execute(SQL("UPDATE loyalty_program SET active = FALSE WHERE id = %s", ids["program"]))
            cr.execute(SQL("UPDATE res_partner SET active = FALSE WHERE id = ANY(%s)", ids["partners"]))

    def _pay_and_evaluate(self, member_id, results, barrier):
        with self.registry.cursor() as cr:  # the payment: only an insert
            env = api.Environment(cr, SUPERUSER_ID, {})
            event = env["city.alliance.event"]._city_append(
                [
                    {
                        "event_type": "order_paid",
                        "partner_id": member_id,
                        "merchant_id": self.data["shop"],
                        "company_id": self.data["company"],
                        "amount": 88.0,
                        "event_date": datetime(2026, 12, 2, 12, 0),
                    }
                ]
            )
            event_id = event.id
        barrier.wait()
        for _attempt in range(20):  # the event cron, run again while the event is pending
            try:
                with self.registry.cursor() as cr, mute_logger("odoo.sql_db"):
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    event = env["city.alliance.event"].browse(event_id)
                    event._city_process()
                    state = event.state
                if state != "pending":
                    results.append(state)
                    return
            except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
                continue
        results.append("gave up")

    def test_parallel_payments_keep_cap_and_budget(self):
        results = []
        barrier = threading.Barrier(len(self.PAYERS))
        members = self.data["members"]
        threads = [
            threading.Thread(target=self._pay_and_evaluate, args=(members[n], results, barrier)) for n in self.PAYERS
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(results, ["done"] * len(self.PAYERS))
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT partner_id, COUNT(*), array_agg(budget_slot) FROM city_coupon_issue"
                    " WHERE trigger_id = %s GROUP BY partner_id",
                    self.data["trigger"],
                )
            )
            rows = cr.fetchall()
        self.assertEqual(sum(count for _p, count, _s in rows), self.BUDGET, "the budget is spent exactly")
        self.assertTrue(all(count == 1 for _p, count, _s in rows), "one coupon per member and day")
        self.assertEqual(sorted(slot for _p, _c, slots in rows for slot in slots), list(range(1, self.BUDGET + 1)))
