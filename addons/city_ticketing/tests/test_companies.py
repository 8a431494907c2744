# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two operators (companies) in one database: every journal entry of the money paths
lands in the company of the record that moved the money, on that company's accounts
and journals, whatever company the user or the cron runs in."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestTwoCompanies(CityTicketingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls._create_company_2("第二运营方（测试）")
        if not cls.env["stock.warehouse"].search([("company_id", "=", cls.company_2.id)]):
            cls.env["stock.warehouse"].create({"name": "第二运营方仓库", "code": "WH2", "company_id": cls.company_2.id})
        cls.accounts_2 = cls.company_2._city_get_accounts()
        cls.bank_journal_2 = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company_2.id)], limit=1
        )
        cls.provider_2 = cls.city_provider.copy(
            {"name": "City Test Provider 2", "company_id": cls.company_2.id, "state": "test"}
        )
        with cls._test_payment_method():
            cls.provider_2.journal_id = cls.bank_journal_2
        cls.voucher_2 = cls._create_ticket_product(
            cls.merchant_a, 120.0, name="第二运营方 火锅券", company_id=cls.company_2.id
        )
        cls.card_2 = cls._create_ticket_product(
            cls.merchant_b,
            80.0,
            name="第二运营方 健身次卡",
            company_id=cls.company_2.id,
            city_refund_policy="no_refund",
        )
        # Both merchants settle in real time, in both companies.
        (cls.merchant_a | cls.merchant_b).write({"city_settlement_cycle": "realtime"})
        for company in (cls.company, cls.company_2):
            cls.env["city.split.rule"].create(
                {
                    "name": f"fee {company.name}",
                    "mode": "fee",
                    "company_id": company.id,
                    "platform_fee_percent": 5.0 if company == cls.company else 10.0,
                    "channel_fee_percent": 0.6,
                }
            )

    # ------------------------------------------------------------------ helpers

    @classmethod
    def _pay_order_2(cls, order):
        """Pay an order of company 2 through company 2's provider."""
        tx = cls._create_city_transaction(order, provider_id=cls.provider_2.id)
        tx._set_done()
        tx._post_process()
        return tx

    def _buy_in_company_2(self, product, qty=1):
        order = (
            self.env["sale.order"]
            .with_company(self.company_2)
            .create(
                {
                    "partner_id": self.member.id,
                    "company_id": self.company_2.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": qty, "tax_id": [Command.clear()]})
                    ],
                }
            )
        )
        order.action_confirm()
        tx = self._pay_order_2(order)
        self.assertTrue(order.city_paid_date, "the order of company 2 is paid")
        return order, tx

    def assertMoveInCompany(self, moves, company, accounts):
        """Each entry is posted in ``company``, in its journals, on accounts of ``company``."""
        self.assertTrue(moves)
        for move in moves:
            self.assertEqual(move.company_id, company, f"{move.display_name} must be booked in {company.name}")
            self.assertEqual(move.journal_id.company_id, company, f"{move.display_name}: journal of {company.name}")
            for line in move.line_ids:
                self.assertIn(company, line.account_id.company_ids, f"{move.display_name}: {line.account_id.code}")
                self.assertEqual(line.company_id, company)
        city_accounts = {accounts[f].id for f in accounts if f.endswith("_account_id")}
        used = set(moves.line_ids.account_id.ids)
        self.assertTrue(used & city_accounts, "the entries use the company's settlement accounts")

    # -------------------------------------------------------------------- tests

    def test_money_paths_book_in_the_record_company(self):
        # Company 1 (the user's current company) and company 2 both sell.
        tickets_1 = self._buy_tickets(self.voucher_a, qty=2)
        order_2, tx_2 = self._buy_in_company_2(self.voucher_2, qty=2)
        tickets_2 = order_2.city_ticket_ids.sorted("id")
        self.assertEqual(tickets_2.company_id, self.company_2)
        escrows_2 = order_2.city_escrow_ids
        self.assertEqual(escrows_2.company_id, self.company_2)
        self.assertEqual(escrows_2.amount_paid, 240.0)
        # The escrow entry of company 2's order: company 2's settlement journal and escrow account.
        intake_2 = order_2.city_escrow_move_id
        self.assertMoveInCompany(intake_2, self.company_2, self.accounts_2)
        self.assertEqual(intake_2.journal_id, self.accounts_2["city_settlement_journal_id"])
        escrow_lines = intake_2.line_ids.filtered(lambda ln: ln.account_id == self.accounts_2["city_escrow_account_id"])
        self.assertEqual(sum(escrow_lines.mapped("credit")), 240.0)
        self.assertEqual(tx_2.payment_id.company_id, self.company_2)
        self.assertTrue(
            intake_2.line_ids.filtered(lambda ln: ln.account_id.account_type == "asset_receivable").reconciled,
            "the escrow entry reconciles with company 2's payment",
        )

        # Redemptions of both companies, released by the cron run from company 1.
        Ticket = self.env["city.ticket"]
        Ticket._redeem_code(tickets_1[0].token, merchant=self.merchant_a)
        Ticket._redeem_code(tickets_2[0].token, merchant=self.merchant_a)
        cron_env = self.env(context=dict(self.env.context, allowed_company_ids=[self.company.id]))
        cron_env["city.ticket.redemption"]._cron_release_escrow()
        allocations_2 = self.env["city.settlement.allocation"].search([("order_id", "=", order_2.id)])
        self.assertEqual(set(allocations_2.mapped("company_id")), {self.company_2})
        fee_2 = allocations_2.filtered(lambda a: a.role == "platform_fee")
        self.assertEqual(fee_2.amount, 12.0, "company 2's own split rule (10 %) applies")
        self.assertEqual(fee_2.beneficiary_id, self.company_2.partner_id)
        # Statements show the source as the merchant knows it, not a technical reference.
        label = set(allocations_2.filtered(lambda a: a.movement == "release").mapped("source_label"))
        self.assertEqual(label, {f"Ticket {tickets_2[0].manual_code} · 第二运营方 火锅券 · 会员张三"})
        for allocation in allocations_2:
            self.assertIn(self.company_2, allocation.account_id.company_ids)
            self.assertIn(self.company_2, allocation.contra_account_id.company_ids)

        # The batch entries: one per company, each in its own company.
        cron_env["city.settlement.allocation"]._cron_post_batches()
        self.assertMoveInCompany(allocations_2.move_id, self.company_2, self.accounts_2)
        allocations_1 = self.env["city.settlement.allocation"].search([("order_id", "=", tickets_1.order_id.id)])
        self.assertMoveInCompany(allocations_1.move_id, self.company, self.city_accounts)
        self.assertFalse(allocations_1.move_id & allocations_2.move_id)
        for allocation in allocations_1 | allocations_2:
            self.assertEqual(allocation.move_line_id.move_id, allocation.move_id)
            self.assertEqual(allocation.move_line_id.account_id, allocation.account_id)
            self.assertEqual(allocation.move_line_id.partner_id, allocation.beneficiary_id)

        # Settlements run by the cron from company 1: one statement per company, paid in its company.
        cron_env["city.settlement"]._cron_run_settlements()
        settlement_2 = self.env["city.settlement"].search(
            [("company_id", "=", self.company_2.id), ("merchant_id", "=", self.merchant_a.id)]
        )
        self.assertEqual(len(settlement_2), 1)
        self.assertEqual(settlement_2.amount_delivered, 120.0 - 12.0 - 0.72)
        self.assertEqual(settlement_2.allocation_ids.company_id, self.company_2)
        settlement_2.with_env(cron_env).action_confirm()
        settlement_2.with_env(cron_env).action_pay()
        self.assertEqual(settlement_2.state, "paid")
        payment = settlement_2.payment_id
        self.assertEqual(payment.company_id, self.company_2)
        self.assertEqual(payment.journal_id, self.bank_journal_2)
        self.assertMoveInCompany(payment.move_id, self.company_2, self.accounts_2)
        self.assertEqual(settlement_2.payout_ids.company_id, self.company_2)
        payable_2 = self.accounts_2["city_merchant_payable_account_id"]
        payable_lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", payable_2.id),
                ("partner_id", "=", self.merchant_a.id),
                ("parent_state", "=", "posted"),
            ]
        )
        self.assertEqual(round(sum(payable_lines.mapped("balance")), 2), 0.0, "company 2 owes the merchant nothing")

        # Refund on request and expiry of company 2's tickets, by the cron from company 1.
        tickets_2[1]._action_refund()
        card_order, card_tx = self._buy_in_company_2(self.card_2)
        card = card_order.city_ticket_ids
        card.write({"valid_to": fields.Datetime.now() - timedelta(hours=1)})
        cron_env["city.ticket"]._cron_expire_tickets()
        self.assertEqual(card.state, "expired")
        self.assertEqual(card.escrow_id.amount_forfeited, 80.0)
        cron_env["city.settlement.allocation"]._cron_post_batches()
        later_2 = self.env["city.settlement.allocation"].search(
            [("company_id", "=", self.company_2.id), ("movement", "in", ("refund", "forfeit"))]
        )
        self.assertEqual(set(later_2.mapped("movement")), {"refund", "forfeit"})
        self.assertMoveInCompany(later_2.move_id, self.company_2, self.accounts_2)
        self.assertFalse(
            self.env["city.settlement.allocation"].search(
                [("company_id", "=", self.company.id), ("order_id", "in", (order_2 | card_order).ids)]
            ),
            "nothing of company 2's orders lands in company 1",
        )
        # Company 2's channel bill reconciles with company 2's transactions only.
        data, _day = self.env["city.settlement.demo"]._write_wechat_bill(tx_2 | card_tx)
        bill = (
            self.env["city.payment.bill"]
            .with_company(self.company_2)
            ._import_file(data, file_name="company_2.csv", provider=self.provider_2)
        )
        self.assertEqual(bill.company_id, self.company_2)
        bill.with_env(cron_env).action_reconcile()
        run = self.env["city.reconciliation"].search([("provider_id", "=", self.provider_2.id)])
        self.assertEqual(run.company_id, self.company_2)
        self.assertEqual((run.matched_count, run.difference_count), (2, 0), run.difference_ids.mapped("cause"))
        self.assertEqual(bill.line_ids.transaction_id, tx_2 | card_tx)
        self.assertTrialBalanceBalances()
        for company in (self.company, self.company_2):
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT COALESCE(SUM(debit - credit), 0) FROM account_move_line"
                " WHERE parent_state = 'posted' AND company_id = %s",
                [company.id],
            )
            self.assertEqual(round(float(self.env.cr.fetchone()[0]), 2), 0.0, f"{company.name} balances")
