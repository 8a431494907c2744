# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stateful property test: random earn / spend / expire / adjust against a plain-Python model."""

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CityLoyaltyCommon


class WalletMachine(RuleBasedStateMachine):
    """Random movements on a fresh wallet, checked against a model of its lots (FIFO)."""

    test = None  # the running TestCase, set by the test

    def __init__(self):
        super().__init__()
        self.env = env = self.test.env
        partner = env["res.partner"].create({"name": "属性测试会员", "is_member": True})
        self.wallet = env["city.points.wallet"]._get_wallets(partner)
        self.lots = []  # model: [lot id, remaining, expired?] in FIFO order

    def _sync_new_lot(self, line):
        lot = self.env["city.points.lot"].search([("ledger_id", "=", line.id)])
        self.lots.append([lot.id, lot.remaining, lot.expiry_date < fields.Date.today()])

    def _consume(self, points):
        for lot in self.lots:
            take = min(lot[1], points)
            lot[1] -= take
            points -= take

    @rule(points=st.integers(1, 500), past=st.booleans())
    def earn(self, points, past):
        expiry = fields.Date.today() + timedelta(days=-1 if past else 30)
        self._sync_new_lot(self.wallet._earn(points, expiry_date=expiry))

    @rule(points=st.integers(1, 800))
    def spend(self, points):
        if points > self.wallet.balance:
            with self.test.assertRaises(UserError), self.env.cr.savepoint():
                self.wallet._spend(points)
            return
        line = self.wallet._spend(points)
        consumed = [(c.lot_id.id, c.points) for c in line.consumption_ids.sorted("id")]
        expected, rest = [], points
        for lot in self.lots:
            if rest and lot[1]:
                take = min(lot[1], rest)
                expected.append((lot[0], take))
                rest -= take
        self.test.assertEqual(consumed, expected, "lots must be consumed oldest first")
        self._consume(points)

    @rule()
    def expire(self):
        lots = self.env["city.points.lot"].search(
            [("wallet_id", "=", self.wallet.id), ("remaining", ">", 0), ("expiry_date", "<", fields.Date.today())]
        )
        lots._expire()
        for lot in self.lots:
            if lot[2]:
                lot[1] = 0

    @rule(points=st.integers(-300, 300).filter(bool))
    def adjust(self, points):
        if points < 0 and -points > self.wallet.balance:
            with self.test.assertRaises(UserError), self.env.cr.savepoint():
                self.wallet._adjust(points, "property")
            return
        line = self.wallet._adjust(points, "property")
        if points > 0:
            self._sync_new_lot(line)
        else:
            self._consume(-points)

    @invariant()
    def books_balance(self):
        wallet = self.wallet
        wallet.invalidate_recordset()
        self.test.assertGreaterEqual(wallet.balance, 0)
        self.test.assertEqual(wallet.balance, sum(wallet.ledger_ids.mapped("points")))
        lots = self.env["city.points.lot"].search([("wallet_id", "=", wallet.id)], order="date, id")
        self.test.assertEqual([[lot.id, lot.remaining] for lot in lots], [lot[:2] for lot in self.lots])
        self.test.assertEqual(wallet.balance, sum(lot[1] for lot in self.lots))


@tagged("post_install", "-at_install")
class TestWalletProperty(CityLoyaltyCommon):
    def test_random_movements(self):
        WalletMachine.test = self
        self.addCleanup(setattr, WalletMachine, "test", None)
        run_state_machine_as_test(
            WalletMachine,
            settings=settings(
                max_examples=25,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
