# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settlement runs, payouts, statements, commissions reversal, evidence chain and access."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.city_base.tools.localdate import local_today
from odoo.addons.city_settlement.models.city_settlement import CitySettlement, cycle_cutoff

from .common import CitySettlementCommon


@tagged("post_install", "-at_install")
class TestSettlement(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_a = cls._create_merchant_product(cls.merchant_a, 100.0, name="A 下午茶")
        cls.product_b = cls._create_merchant_product(cls.merchant_b, 80.0, name="B 体验课")
        cls.env["city.split.rule"].create(
            {"name": "平台默认", "mode": "fee", "platform_fee_percent": 5.0, "channel_fee_percent": 0.6}
        )
        cls.merchants = cls.merchant_a | cls.merchant_b
        cls.merchants.write({"city_settlement_cycle": "realtime"})

    def _deliver(self, count=2):
        for i in range(count):
            order = self._create_paid_order(self.member, [self.product_a, self.product_b])
            for escrow in order.city_escrow_ids:
                escrow._release(escrow.amount_residual, f"city.test.delivery,{order.id}{i}")

    def test_cycle_cutoff(self):
        wednesday = date(2026, 11, 25)
        self.assertEqual(cycle_cutoff("realtime", wednesday), wednesday)
        self.assertEqual(cycle_cutoff("t1", wednesday), date(2026, 11, 24))
        self.assertEqual(cycle_cutoff("weekly", wednesday), date(2026, 11, 22))
        self.assertEqual(cycle_cutoff("monthly", wednesday), date(2026, 10, 31))

    def test_run_confirm_pay(self):
        self._deliver(2)
        Settlement = self.env["city.settlement"].with_user(self.accountant)
        settlements = Settlement._run_settlements(merchants=self.merchants)
        self.assertEqual(settlements.merchant_id, self.merchant_a | self.merchant_b)
        settlement_a = settlements.filtered(lambda s: s.merchant_id == self.merchant_a)
        self.assertEqual(settlement_a.state, "draft")
        self.assertEqual(settlement_a.amount_delivered, 2 * 94.4)
        self.assertEqual(settlement_a.closing_balance, 188.8)
        self.assertFalse(Settlement._run_settlements(merchants=self.merchants), "a second run finds nothing to settle")
        settlement_a.action_confirm()
        settlement_a.action_pay()
        self.assertEqual(settlement_a.state, "paid")
        self.assertEqual(settlement_a.payment_id.amount, 188.8)
        self.assertEqual(settlement_a.payment_id.state, "in_process")
        self.assertEqual(settlement_a.payout_ids.amount, 188.8)
        self.assertEqual(settlement_a.closing_balance, 0.0)
        settlement_a.action_pay()  # idempotent
        self.assertEqual(len(settlement_a.payout_ids), 1)
        payable = self.city_accounts["city_merchant_payable_account_id"]
        self.assertEqual(self._account_balance(payable, self.merchant_a), 0.0)
        with self.assertRaises(UserError):
            settlement_a.action_cancel()
        # The statement prints (QWeb PDF, in Chinese).
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("city_settlement.report_city_settlement", settlement_a.ids)[0]
            .decode()
        )
        self.assertIn(settlement_a.name, html)
        self.assertIn("对账单", html)
        self.assertIn("¥", html, "amounts print in CNY")
        self.assertNotIn("$", html)
        # Next cycle: the opening balance is the last closing balance.
        self._deliver(1)
        nxt = Settlement._run_settlements(merchants=self.merchants, today=local_today() + timedelta(days=1))
        nxt_a = nxt.filtered(lambda s: s.merchant_id == self.merchant_a)
        self.assertEqual(nxt_a.opening_balance, 0.0)
        settlement_b = settlements - settlement_a
        nxt_b = nxt - nxt_a
        self.assertEqual(nxt_b.opening_balance, settlement_b.closing_balance)
        self.assertEqual(nxt_b.closing_balance, settlement_b.closing_balance + 75.52)
        self.assertTrialBalanceBalances()

    def test_interrupted_run_posts_each_entry_once(self):
        self._deliver(3)
        original = CitySettlement._settle_merchant
        calls = []

        def crash_on_b(self, merchant, today, company):
            calls.append(merchant)
            if merchant.name == "测试健身B":
                raise RuntimeError("worker killed")
            return original(self, merchant, today, company)

        with (
            patch.object(CitySettlement, "_settle_merchant", crash_on_b),
            self.assertLogs("odoo.addons.city_settlement.models.city_settlement", level="ERROR"),
        ):
            first = self.env["city.settlement"]._run_settlements(merchants=self.merchants)
        self.assertEqual(first.merchant_id, self.merchant_a)
        moves_after_first = (
            self.env["city.settlement.allocation"].search([("merchant_id", "in", self.merchants.ids)]).move_id
        )
        self.assertEqual(len(moves_after_first), 1, "one batch entry")
        second = self.env["city.settlement"]._run_settlements(merchants=self.merchants)
        self.assertEqual(second.merchant_id, self.merchant_b)
        allocations = self.env["city.settlement.allocation"].search(
            [("role", "=", "merchant"), ("merchant_id", "in", self.merchants.ids)]
        )
        self.assertEqual(allocations.move_id, moves_after_first, "nothing posted twice")
        self.assertEqual(allocations.settlement_id, first | second)
        self.assertEqual(
            self.env["city.settlement"].search_count([("merchant_id", "in", (self.merchant_a | self.merchant_b).ids)]),
            2,
        )
        self.assertFalse(self.env["city.settlement"]._run_settlements(merchants=self.merchants))
        self.assertTrialBalanceBalances()

    def test_run_button_names_the_failed_merchant(self):
        """The button says which merchant failed and why; the cron logs it and settles the others."""
        self._deliver(1)
        original = CitySettlement._settle_merchant

        def refuse_b(self, merchant, today, company):
            if merchant.name == "测试健身B":
                raise RuntimeError("bank account missing")
            return original(self, merchant, today, company)

        Settlement = self.env["city.settlement"].with_user(self.accountant)
        with (
            patch.object(CitySettlement, "_settle_merchant", refuse_b),
            self.assertLogs("odoo.addons.city_settlement.models.city_settlement", level="ERROR"),
            self.assertRaises(UserError) as caught,
        ):
            with self.env.cr.savepoint():
                Settlement.action_run_settlements()
        message = caught.exception.args[0]
        self.assertIn("测试健身B", message)
        self.assertIn("bank account missing", message)
        self.assertNotIn("测试茶饮A", message)
        self.assertFalse(self.env["city.settlement"].search([("merchant_id", "in", self.merchants.ids)]))
        # The cron's run: merchant B is logged and retried later, merchant A is settled.
        with (
            patch.object(CitySettlement, "_settle_merchant", refuse_b),
            self.assertLogs("odoo.addons.city_settlement.models.city_settlement", level="ERROR") as logs,
        ):
            self.env["city.settlement"]._cron_run_settlements()
        self.assertIn("bank account missing", "\n".join(logs.output))
        settled = self.env["city.settlement"].search([("merchant_id", "in", self.merchants.ids)])
        self.assertEqual(settled.merchant_id, self.merchant_a)

    def test_refund_after_delivery_reverses_commissions(self):
        referrer = self.env["res.partner"].create({"name": "推荐人", "is_member": True})
        member = self.env["res.partner"].create({"name": "被推荐", "is_member": True, "city_referrer_id": referrer.id})
        self.env["city.split.rule"].create(
            {
                "name": "A 分销",
                "mode": "distribution",
                "merchant_id": self.merchant_a.id,
                "platform_fee_percent": 5.0,
                "commission_l1_percent": 3.0,
            }
        )
        order = self._create_paid_order(member, [self.product_a])
        escrow = order.city_escrow_ids
        release = escrow._release(100.0, "city.test.delivery,1")
        commission = release.filtered(lambda a: a.role == "commission")
        self.assertEqual((commission.beneficiary_id, commission.amount), (referrer, 3.0))
        reversal = escrow._refund_delivered(100.0, "city.test.refund,1", "售后退款")
        self.assertEqual(escrow._refund_delivered(100.0, "city.test.refund,1", "again"), reversal)
        roles = {(a.role, a.beneficiary_id.id): a.amount for a in reversal}
        self.assertEqual(roles[("commission", referrer.id)], -3.0)
        self.assertEqual(roles[("merchant", self.merchant_a.id)], -92.0)
        self.assertEqual(roles[("refund", member.id)], 100.0)
        self.assertEqual(round(sum(reversal.mapped("amount")), 2), 0.0)
        with self.assertRaises(UserError):
            escrow._refund_delivered(0.01, "city.test.refund,2", "too much")
        self.env["city.settlement.allocation"]._post_batch()
        commission_account = self.city_accounts["city_commission_account_id"]
        self.assertEqual(self._account_balance(commission_account, referrer), 0.0)
        self.assertEqual(self._account_balance(self.city_accounts["city_refund_account_id"], member), 100.0)
        self.assertTrialBalanceBalances()

    def test_tampered_allocation_is_named(self):
        self._deliver(2)
        Allocation = self.env["city.settlement.allocation"]
        self.assertTrue(Allocation._verify_hash_chain()["ok"])
        victim = Allocation.search(
            [("role", "=", "merchant"), ("merchant_id", "=", self.merchant_a.id)], order="id", limit=1
        )
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE city_settlement_allocation SET amount = amount + 1 WHERE id = %s", victim.id))
        Allocation.invalidate_model()
        result = Allocation._verify_hash_chain()
        self.assertFalse(result["ok"])
        self.assertEqual(result["record"], victim)
        self.assertEqual(result["reason"], "content")
        self.assertIn(f"#{victim.id}", result["message"])
        with self.assertRaises(UserError):
            Allocation._verify_hash_chain(raise_if_broken=True)
        # The nightly check covers allocations and payouts, and names the altered line.
        Head = self.env["city.hash.chain.head"]
        self.assertIn("city.settlement.allocation", Head._hash_chain_model_names())
        self.assertIn("city.settlement.payout", Head._hash_chain_model_names())
        with self.assertLogs("odoo.addons.city_base.models.city_hash_chain_head", level="ERROR"):
            Head._cron_verify_hash_chains()
        check = self.env["city.hash.chain.check"].search(
            [("res_model", "=", "city.settlement.allocation")], order="id desc", limit=1
        )
        self.assertEqual((check.state, check.broken_res_id), ("broken", victim.id))

    def test_payout_chain(self):
        self._deliver(1)
        settlements = self.env["city.settlement"]._run_settlements(merchants=self.merchants)
        settlements.action_confirm()
        settlements.action_pay()
        Payout = self.env["city.settlement.payout"]
        self.assertEqual(len(settlements.payout_ids), 2)
        self.assertTrue(all(p.chain_hash for p in settlements.payout_ids))
        self.assertTrue(Payout._verify_hash_chain()["ok"])
        payout = settlements.payout_ids[0]
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE city_settlement_payout SET amount = 0 WHERE id = %s", payout.id))
        Payout.invalidate_model()
        self.assertEqual(Payout._verify_hash_chain()["record"], payout)

    def test_merchant_isolation(self):
        self._deliver(1)
        settlements = self.env["city.settlement"]._run_settlements(merchants=self.merchants)
        settlements.action_confirm()
        settlements.action_pay()
        for model in ("city.escrow", "city.settlement.allocation", "city.settlement", "city.settlement.payout"):
            with self.subTest(model=model):
                records = self.env[model].search([("merchant_id", "in", (self.merchant_a | self.merchant_b).ids)])
                records_a = records.filtered(lambda r: r.merchant_id == self.merchant_a)
                records_b = records - records_a
                self.assertTrue(records_a and records_b)
                self.assertMerchantIsolation(records_a, records_b, platform_user=self.accountant)
                with self.assertRaises(AccessError):
                    records_a.with_user(self.manager_a).write({"merchant_id": self.merchant_a.id})
        # Accountants run and confirm settlements; merchants and operators do not.
        self._deliver(1)
        with self.assertRaises(AccessError):
            self.env["city.settlement"].with_user(self.manager_a).action_run_settlements()
        draft = (
            self.env["city.settlement"]
            .with_user(self.accountant)
            ._run_settlements(merchants=self.merchants, today=local_today() + timedelta(days=1))
        )
        with self.assertRaises(AccessError):
            draft.with_user(self.operator).action_confirm()
        draft.with_user(self.accountant).action_cancel()
        self.assertFalse(draft.allocation_ids)
        redo = (
            self.env["city.settlement"]
            .with_user(self.accountant)
            ._run_settlements(merchants=self.merchants, today=local_today() + timedelta(days=1))
        )
        self.assertEqual(redo.merchant_id, draft.merchant_id, "a cancelled statement can be run again")
        redo.with_user(self.accountant).action_confirm()
        # Operators configure split rules; accountants and merchants do not.
        rule_vals = {"name": "X", "mode": "ratio", "merchant_percent": 80}
        self.env["city.split.rule"].with_user(self.operator).create(rule_vals)
        for user in (self.accountant, self.manager_a):
            with self.assertRaises(AccessError):
                self.env["city.split.rule"].with_user(user).create(rule_vals)
