# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CityLoyaltyCommon


@tagged("post_install", "-at_install")
class TestWallet(CityLoyaltyCommon):
    def test_earn_spend_fifo(self):
        wallet = self._wallet()
        first = wallet._earn(100, note="first")
        second = wallet._earn(50, note="second")
        self.assertEqual(wallet.balance, 150)
        spend = wallet._spend(120)
        self.assertEqual(wallet.balance, 30)
        self.assertEqual(spend.points, -120)
        self.assertEqual(spend.balance_after, 30)
        lots = wallet.lot_ids.sorted("id")
        self.assertEqual(lots.mapped("remaining"), [0, 30])
        self.assertEqual(lots[0].state, "consumed")
        self.assertEqual(spend.consumption_ids.mapped("points"), [100, 20])
        self.assertEqual(lots[0].ledger_id, first)
        self.assertEqual(lots[1].ledger_id, second)
        self.assertBooksBalanced(wallet)

    def test_overspend_refused(self):
        wallet = self._wallet()
        wallet._earn(10)
        with self.assertRaises(UserError):
            wallet._spend(11)
        self.assertEqual(wallet.balance, 10)

    def test_db_check_and_append_only(self):
        wallet = self._wallet()
        line = wallet._earn(10)
        with self.assertRaises(UserError):
            line.write({"points": 20})
        with self.assertRaises(UserError):
            line.unlink()
        with self.assertRaises(UserError):
            wallet.write({"balance": 99})
        with self.assertRaises(UserError):
            self.env["city.points.ledger"].create({"wallet_id": wallet.id, "kind": "earn", "points": 5})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE city_points_wallet SET balance = -1 WHERE id = %s", [wallet.id])

    def test_expire_and_notify(self):
        wallet = self._wallet()
        old = wallet._earn(30, expiry_date=fields.Date.today() - timedelta(days=1))
        soon = wallet._earn(20, expiry_date=fields.Date.today() + timedelta(days=3))
        wallet._earn(40)
        expired = self.env["city.points.lot"]._cron_expire()
        self.assertEqual(expired.points, -30)
        self.assertEqual(wallet.balance, 60)
        self.assertEqual(self.env["city.points.lot"].search([("ledger_id", "=", old.id)]).state, "expired")
        self.env["city.points.lot"]._cron_expire()  # nothing twice
        self.assertEqual(wallet.balance, 60)
        self.env["city.points.lot"]._cron_notify_expiring()
        notes = self.env["city.member.notification"].search([("partner_id", "=", self.member.id)])
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes.payload["points"], 20)
        self.assertEqual(notes.state, "pending")
        self.env["city.points.lot"]._cron_notify_expiring()
        self.assertEqual(self.env["city.member.notification"].search_count([("partner_id", "=", self.member.id)]), 1)
        self.assertTrue(soon)
        self.assertBooksBalanced(wallet)

    def test_adjust_and_transfer(self):
        wallet, other = self._wallet(), self._wallet(self.member_b)
        wallet._adjust(50, "补偿")
        wallet._adjust(-10, "更正")
        self.assertEqual(wallet.balance, 40)
        out, received = wallet._transfer(other, 25)
        self.assertEqual(out.points, -25)
        self.assertEqual(sum(received.mapped("points")), 25)
        self.assertEqual((wallet.balance, other.balance), (15, 25))
        self.assertEqual(other.lot_ids.expiry_date, wallet.lot_ids.expiry_date)
        self.assertBooksBalanced()

    def test_self_check_cron(self):
        wallet = self._wallet()
        wallet._earn(10)
        self.assertFalse(self.Wallet._cron_self_check())
        self.env.cr.execute("UPDATE city_points_wallet SET balance = 11 WHERE id = %s", [wallet.id])
        wallet.invalidate_recordset()
        with mute_logger("odoo.addons.city_loyalty.models.city_points_wallet"):
            bad = self.Wallet._cron_self_check()
        self.assertEqual([row[0] for row in bad], [wallet.id])
        self.assertTrue(wallet.is_flagged)
