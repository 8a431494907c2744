# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The ledger's and the wallets' write guards cannot be opened by a context sent over RPC."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from odoo.addons.city_loyalty.models.city_points_ledger import POSTING, posting_context


@tagged("post_install", "-at_install")
class TestPostingGuards(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The operator may write wallets and read the ledger: the guard is all that stands
        # between a forged context and the balance.
        cls.operator = new_test_user(cls.env, login="guard_operator", groups="base.group_user,city_base.group_operator")
        cls.member = cls.env["res.partner"].create({"name": "会员守卫", "is_member": True})
        cls.wallet = cls.env["city.points.wallet"]._get_wallets(cls.member)
        cls.line = cls.wallet._earn(10, note="guard")

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_forged_context_over_rpc(self):
        self.authenticate("guard_operator", "guard_operator")
        forged = {"context": {"city_loyalty_post": True}}
        ledger_count = self.env["city.points.ledger"].search_count([("wallet_id", "=", self.wallet.id)])
        with mute_logger("odoo.http"):
            with self.assertRaises(JsonRpcException):
                self._call_kw("city.points.wallet", "write", [self.wallet.ids, {"balance": 1_000_000}], forged)
            for value in (True, 1, "1", {"x": 1}, ["x"]):
                with self.assertRaises(JsonRpcException):
                    self._call_kw(
                        "city.points.wallet",
                        "write",
                        [self.wallet.ids, {"balance": 999}],
                        {"context": {"city_loyalty_post": value}},
                    )
            with self.assertRaises(JsonRpcException):
                self._call_kw(
                    "city.points.ledger",
                    "create",
                    [{"wallet_id": self.wallet.id, "kind": "earn", "points": 500}],
                    forged,
                )
            with self.assertRaises(JsonRpcException):
                self._call_kw("city.points.ledger", "write", [self.line.ids, {"lot_notified": True}], forged)
        self.wallet.invalidate_recordset()
        self.line.invalidate_recordset()
        self.assertEqual(self.wallet.balance, 10)
        self.assertFalse(self.line.lot_notified)
        self.assertEqual(
            self.env["city.points.ledger"].search_count([("wallet_id", "=", self.wallet.id)]), ledger_count
        )
        # The operator reaches the wallet (read and write access) at all: the guard refused the balance.
        result = self._call_kw("city.points.wallet", "read", [self.wallet.ids, ["balance"]])
        self.assertEqual(result[0]["balance"], 10)

    def test_guard_is_the_sentinel_not_the_key(self):
        # Even with every access right (sudo), the key with any other value opens nothing.
        wallet_sudo = self.wallet.sudo()
        with self.assertRaises(UserError):
            wallet_sudo.with_context(city_loyalty_post=True).write({"balance": 99})
        with self.assertRaises(UserError):
            self.env["city.points.ledger"].sudo().with_context(city_loyalty_post=True).create(
                {"wallet_id": self.wallet.id, "kind": "earn", "points": 5}
            )
        with self.assertRaises(UserError):
            self.line.sudo().with_context(city_loyalty_post="POSTING").write({"lot_notified": True})
        # The sentinel itself does open them (the wallet's own writes).
        posting_context(self.line.sudo()).write({"lot_notified": True})
        self.assertTrue(self.line.lot_notified)
        self.assertIs(posting_context(self.line).env.context["city_loyalty_post"], POSTING)
