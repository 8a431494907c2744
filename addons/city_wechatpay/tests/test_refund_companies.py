# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Refunds in a second company (operator) with its own WeChat Pay provider and merchant
account: a partial refund before delivery and one after delivery are booked in that
company (escrow, allocations, journal entries, payments), exact to the fen, and nothing
is written in the first company."""

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.city_base.tools.allocation import to_fen
from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.common import WechatpayCommon
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay


@tagged("post_install", "-at_install")
class TestRefundTwoCompanies(WechatpayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls._create_company_2("第二运营方（退款测试）")
        cls.accounts_2 = cls.company_2._city_get_accounts()
        # Its own merchant account at WeChat Pay: another fake server, other keys, other mchid.
        cls.fake_2 = FakeWechatPay(mchid="1900000222").start()
        cls.addClassCleanup(cls.fake_2.stop)
        journal_2 = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company_2.id)], limit=1
        )
        cls.provider_2 = cls.env["payment.provider"].create(
            {
                "name": "微信支付（第二运营方）",
                "code": "wechatpay",
                "company_id": cls.company_2.id,
                "state": "test",
                "is_published": True,
                "journal_id": journal_2.id,
                "payment_method_ids": [Command.set(cls.wechat_method.ids)],
                **cls.fake_2.provider_vals(),
            }
        )
        cls.product_2 = cls._create_merchant_product(
            cls.merchant_a, 88.8, name="第二运营方 奶茶券", company_id=cls.company_2.id
        )

    def _paid_in_company_2(self):
        order = (
            self.env["sale.order"]
            .with_company(self.company_2)
            .create(
                {
                    "partner_id": self.member.id,
                    "company_id": self.company_2.id,
                    "order_line": [Command.create({"product_id": self.product_2.id, "tax_id": [Command.clear()]})],
                }
            )
        )
        order.action_confirm()
        tx = self._create_wechat_tx(order, provider=self.provider_2)
        # The gateway is one setting for the database: the second company's calls go to its server.
        self._use_gateway(self.fake_2)
        tx._get_processing_values()
        headers, body = self.fake_2.notice("TRANSACTION.SUCCESS", self.fake_2.pay(tx.reference))
        self.assertEqual(self._post_notice(headers, body).status_code, 204)
        self.env.invalidate_all()
        tx._post_process()
        return order, tx

    def _use_gateway(self, fake):
        self.env["ir.config_parameter"].sudo().set_param(const.GATEWAY_PARAM, fake.url)

    def _refund(self, tx, amount):
        refund = tx._send_refund_request(amount_to_refund=amount)
        resource = self.fake_2.refund_resource(refund.wechatpay_out_refund_no)
        self.assertEqual(self._post_notice(*self.fake_2.notice("REFUND.SUCCESS", resource)).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(refund.state, "done")
        refund._post_process()
        return refund

    def _company_lines(self, company):
        return self.env["account.move.line"].search(
            [("company_id", "=", company.id), ("id", ">", self.city_aml_watermark)]
        )

    def test_refunds_before_and_after_delivery_book_in_the_second_company(self):
        Allocation = self.env["city.settlement.allocation"]
        while Allocation._post_batch(company=self.company):
            pass
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move_line")
        watermark = self.env.cr.fetchone()[0]
        order, tx = self._paid_in_company_2()
        self.assertEqual(tx.company_id, self.company_2)
        escrow = order.city_escrow_ids
        self.assertEqual((escrow.company_id, escrow.amount_paid), (self.company_2, 88.8))
        # A partial refund before delivery: out of what the escrow holds.
        refund_1 = self._refund(tx, 20.05)
        self.assertEqual(self.fake_2.refunds[refund_1.reference]["amount"]["refund"], 2005)
        self.assertEqual((escrow.amount_refunded, escrow.amount_residual), (20.05, 68.75))
        # Delivered in part (50.00 released to the merchant), then refunded beyond what is held:
        # 18.75 from the escrow, 11.25 taken back from the delivered part.
        escrow._release(50.0, escrow)
        refund_2 = self._refund(tx, 30.0)
        self.assertEqual(self.fake_2.refunds[refund_2.reference]["amount"]["refund"], 3000)
        self.assertEqual(
            (escrow.amount_released, escrow.amount_refunded, escrow.amount_reversed, escrow.amount_residual),
            (50.0, 38.8, 11.25, 0.0),
        )
        paid, released = to_fen(escrow.amount_paid), to_fen(escrow.amount_released)
        self.assertEqual(paid - released - to_fen(escrow.amount_refunded), to_fen(escrow.amount_residual))
        # Every allocation, payment and journal entry is the second company's.
        allocations = escrow.allocation_ids
        self.assertEqual(allocations.company_id, self.company_2)
        self.assertEqual(to_fen(sum(allocations.filtered(lambda a: a.movement == "refund").mapped("amount"))), 3880)
        while Allocation._post_batch(company=self.company_2):
            pass
        self.assertTrue(allocations.move_id)
        moves = allocations.move_id | escrow.intake_move_id | (tx | refund_1 | refund_2).payment_id.move_id
        self.assertEqual(moves.company_id, self.company_2)
        self.assertEqual(moves.journal_id.company_id, self.company_2)
        for line in moves.line_ids:
            self.assertIn(self.company_2, line.account_id.company_ids, line.account_id.code)
        self.assertEqual((refund_1 | refund_2).payment_id.mapped("amount"), [20.05, 30.0])
        escrow_account = self.accounts_2["city_escrow_account_id"]
        escrow_lines = moves.line_ids.filtered(lambda ln: ln.account_id == escrow_account)
        self.assertEqual(round(sum(escrow_lines.mapped("credit")) - sum(escrow_lines.mapped("debit")), 2), 0.0)
        # Nothing in the first company: no journal item, no escrow, no notice.
        while Allocation._post_batch(company=self.company):
            pass
        self.assertFalse(
            self.env["account.move.line"].search_count([("company_id", "=", self.company.id), ("id", ">", watermark)])
        )
        self.assertFalse(self.fake.refunds, "the first company's merchant account saw no refund")
        notices = self.env["city.wechatpay.notice"].search([("provider_id", "=", self.provider_2.id)])
        self.assertEqual(notices.company_id, self.company_2)
        self.assertEqual(len(notices), 3)
        self.assertFalse(self.env["city.wechatpay.notice"].search_count([("provider_id", "=", self.provider.id)]))
        self.assertTrialBalanceBalances()
