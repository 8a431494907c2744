# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Profit sharing (分账) in service-provider mode, against the fake WeChat Pay server:
a payment to the merchant's sub-account frozen (settle_info.profit_sharing), shared
on delivery (one request per transaction and run, not sooner than a minute after
payment), the rest unfrozen to the merchant; the books exact to the fen; a refund
after sharing (回退 first); the 30-day deadline; the cap."""

from datetime import timedelta

import pytz

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.city_settlement.tests.bill_samples import wechat_bill, wechat_payment
from odoo.addons.city_wechatpay.tests.common import WechatpayCommon
from odoo.addons.city_wechatpay.tools import ps_bill

RECEIVER_NAME = "城市生活运营有限公司"


@tagged("post_install", "-at_install")
class TestProfitSharing(WechatpayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.write({"wechatpay_mode": "partner", "wechatpay_receiver_name": RECEIVER_NAME})
        cls.merchant_a.write(
            {
                "wechatpay_sub_mchid": cls.fake.sub_mchid,
                "wechatpay_legal_name": "测试茶饮A有限公司",
                "city_settlement_cycle": "realtime",
            }
        )
        cls.env["city.split.rule"].create(
            {"name": "A 平台服务费", "mode": "fee", "merchant_id": cls.merchant_a.id, "platform_fee_percent": 10.0}
        )
        cls.ticket = cls._create_merchant_product(cls.merchant_a, 50.0, name="分账测试券")
        cls.accounts = cls.company._city_get_accounts()
        cls.operator_account = cls.provider.journal_id.default_account_id
        cls.Tx = cls.env["payment.transaction"]

    def _paid(self, qty=2, product=None):
        """A paid order of ``qty`` tickets of ¥50 (or ``product``) to merchant A's sub-account, paid 2 minutes ago."""
        order = self._create_order(self.member, [(product or self.ticket, qty)])
        tx = self._create_wechat_tx(order)
        tx._get_processing_values()
        prepay = self.fake.orders[tx.reference]
        self.assertEqual(prepay["sub_mchid"], self.fake.sub_mchid)
        self.assertEqual(prepay["settle_info"], {"profit_sharing": True})
        tx._wechatpay_apply("payment", self.fake.pay(tx.reference))
        tx._post_process()
        self.assertTrue(tx.wechatpay_profit_sharing)
        self.assertEqual(tx.wechatpay_ps_state, "open")
        self._age(tx, minutes=2)
        return order, tx

    def _age(self, tx, minutes=0, days=0):
        tx.last_state_change = fields.Datetime.now() - timedelta(minutes=minutes, days=days)

    def _deliver(self, order, amount, key):
        escrow = order.city_escrow_ids
        return escrow._release(amount, f"test.use,{order.id}{key}")

    def _share(self, deadline=False):
        self.fake.requests.clear()
        self.Tx._cron_wechatpay_profit_sharing(deadline=deadline)
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        return self.fake.share_requests()

    def _balances(self, merchant=None):
        merchant = merchant or self.merchant_a
        return {
            "held": self._account_balance(self.accounts["city_wechatpay_held_account_id"]),
            "ahead": self._account_balance(self.accounts["city_wechatpay_ahead_account_id"]),
            "payable": self._account_balance(self.accounts["city_merchant_payable_account_id"], merchant),
            "fee": self._account_balance(self.accounts["city_platform_income_account_id"]),
            "escrow": self._account_balance(self.accounts["city_escrow_account_id"]),
            "operator": self._account_balance(self.operator_account),
        }

    def test_pay_redeem_share_unfreeze(self):
        order, tx = self._paid(qty=2)
        self.assertEqual(self._balances()["held"], -100.0, "the payment sits on the clearing account (debit)")
        self._age(tx, minutes=0)
        self._deliver(order, 50.0, "a")
        self.assertFalse(self._share(), "not sooner than a minute after payment")
        self._age(tx, minutes=2)
        first = self._share()
        self.assertEqual(len(first), 1)
        self.assertEqual(
            first[0]["receivers"],
            [
                {
                    "type": "MERCHANT_ID",
                    "account": self.fake.mchid,
                    "amount": 500,
                    "description": f"Service fee {tx.reference}",
                }
            ],
        )
        self.assertFalse(first[0]["unfreeze_unsplit"], "another ticket is still to be delivered")
        self.assertIn((self.fake.sub_mchid, self.fake.mchid), self.fake.receivers)
        self.assertEqual(self.fake.receivers[(self.fake.sub_mchid, self.fake.mchid)]["name"], RECEIVER_NAME)
        self.assertFalse(self._share(), "nothing new: no request")
        self._deliver(order, 50.0, "b")
        # The cron runs in another company: the share books in the transaction's.
        company_2 = self.env["res.company"].create({"name": "第二运营公司"})
        self.Tx.with_company(company_2)._cron_wechatpay_profit_sharing()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        payouts = tx.wechatpay_ps_payout_ids.sorted("id")
        self.assertEqual(payouts.mapped("state"), ["done", "done"])
        self.assertEqual(payouts.mapped("amount"), [5.0, 5.0])
        self.assertEqual(payouts[1].wechatpay_amount_released, 90.0)
        self.assertTrue(payouts[1].wechatpay_unfreeze)
        self.assertEqual(payouts.wechatpay_move_id.company_id, self.company)
        self.assertFalse(self.env["account.move.line"].search_count([("company_id", "=", company_2.id)]))
        self.assertEqual(tx.wechatpay_ps_state, "closed")
        self.assertEqual(
            self.fake.orders[tx.reference]["ps"],
            {"frozen": 0, "balance": 9000, "shared": 1000, "requests": 2, "closed": True, "fee": 0},
        )
        self.assertEqual(
            self._balances(),
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 10.0, "escrow": 0.0, "operator": -10.0},
        )
        self.assertTrialBalanceBalances()
        # The merchant's statement shows what WeChat Pay released, paid by profit sharing.
        settlement = self.env["city.settlement"]._run_settlements(merchants=self.merchant_a, company=self.company)
        self.assertEqual(settlement.payout_channel, "wechatpay")
        self.assertEqual(settlement.amount_delivered, 90.0)
        settlement.action_confirm()
        settlement.action_pay()
        self.assertEqual((settlement.state, settlement.amount_payout), ("paid", 90.0))
        # The reconciliation and its sheet in this mode: statements paid, shares as payouts of the channel.
        day = (fields.Datetime.now() + timedelta(hours=8)).date()
        rec = (
            self.env["city.reconciliation"]
            .sudo()
            ._get_or_create(day, day, provider=self.provider, company=self.company)
        )
        result = rec._reconcile()
        self.assertEqual(rec._get_ledger_totals()["payout_paid"], 9000)
        self.assertTrue(rec._create_xlsx_attachment(result).datas)

    def test_retry_reuses_out_order_no(self):
        order, tx = self._paid(qty=1)
        self._deliver(order, 50.0, "a")
        self.fake.fail_next["/v3/profitsharing/orders"] = 503
        sent = self._share()
        self.assertEqual(len(sent), 1)
        payout = tx.wechatpay_ps_payout_ids
        self.assertEqual(payout.state, "pending")
        again = self._share()
        self.assertEqual([r["out_order_no"] for r in again], [payout.reference])
        self.assertEqual(payout.state, "done")
        self.assertEqual(len(tx.wechatpay_ps_payout_ids), 1)
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["requests"], 1)

    def test_refund_after_sharing_returns_first(self):
        order, tx = self._paid(qty=1)
        self._deliver(order, 50.0, "a")
        self._share()
        self.assertEqual(tx.wechatpay_ps_state, "closed")
        refund = tx._send_refund_request(amount_to_refund=50.0)
        returns = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "return")
        self.assertEqual((returns.amount, returns.state), (5.0, "done"))
        self.assertEqual([no for no in self.fake.returns if no.startswith(tx.reference)], [returns.reference])
        refund._wechatpay_apply("refund", self.fake.refund_resource(refund.wechatpay_out_refund_no))
        refund._post_process()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        clawback = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback")
        self.assertEqual(clawback.amount, 45.0, "the merchant gave back what it had received")
        self.assertEqual(order.city_escrow_ids.amount_reversed, 50.0)
        balances = self._balances()
        self.assertEqual(
            {k: balances[k] for k in ("held", "ahead", "payable", "fee", "operator")},
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 0.0, "operator": 0.0},
        )
        self.assertTrialBalanceBalances()
        self.assertFalse(self._share(), "the refund's reversal is settled without a request")
        self.assertEqual(self._balances()["payable"], 0.0)
        # The profit-sharing bill of the day, downloaded and reconciled against the payouts.
        today = fields.Datetime.now() + timedelta(hours=8)  # Beijing
        day = today.date()
        self.fake.add_bill("profitsharingbill", day.isoformat(), self.fake.profitsharing_bill([tx.provider_reference]))
        download = self.env["city.wechatpay.bill.download"]._ensure([(self.provider, day, "profitsharing")])
        download._download()
        self.assertEqual(download.state, "done", download.error)
        self.assertEqual((download.ps_line_count, download.ps_difference_count), (3, 0), download.ps_differences)
        lines = ps_bill.parse(self.fake.profitsharing_bill([tx.provider_reference]))
        short = [line._replace(amount=line.amount - 1) if line.kind == "share" else line for line in lines]
        (difference,) = ps_bill.reconcile(
            short, [x for p in tx.wechatpay_ps_payout_ids for x in p._wechatpay_bill_lines()]
        )
        self.assertEqual(
            (difference.cause, difference.bill_amount, difference.odoo_amount), ("amount_mismatch", 499, 500)
        )

    def test_refund_before_sharing_from_frozen_funds(self):
        _order, tx = self._paid(qty=1)
        refund = tx._send_refund_request(amount_to_refund=50.0)
        self.assertFalse(tx.wechatpay_ps_payout_ids)
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["frozen"], 0)
        refund._wechatpay_apply("refund", self.fake.refund_resource(refund.wechatpay_out_refund_no))
        refund._post_process()
        self.assertEqual(self._balances()["held"], 0.0)
        self.assertFalse(self._share(), "nothing left to share")

    def test_deadline_shares_commission_ahead(self):
        order, tx = self._paid(qty=2)
        self._deliver(order, 50.0, "a")
        self._share()
        self._age(tx, days=29)
        sent = self._share(deadline=True)
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["receivers"][0]["amount"], 500, "the commission of the unredeemed ticket")
        self.assertTrue(sent[0]["unfreeze_unsplit"])
        self.assertEqual(self._balances()["ahead"], -45.0, "released to the merchant before delivery")
        self.assertFalse(self._share(deadline=True), "shared once")
        # The unredeemed ticket is refunded later (by its policy: escrow first, then the channel).
        escrow = order.city_escrow_ids
        escrow._refund(50.0, "test.refund,1", "退款")
        refund = tx._city_refund_to_channel(50.0, "T1")
        returned = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "return")
        self.assertEqual(returned.amount, 5.0, "the operator's commission is returned")
        refund._wechatpay_apply("refund", self.fake.refund_resource(refund.wechatpay_out_refund_no))
        refund._post_process()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        clawback = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback")
        self.assertEqual((clawback.amount, clawback.wechatpay_amount_ahead), (45.0, -45.0))
        self.assertEqual(
            self._balances(),
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 5.0, "escrow": 0.0, "operator": -5.0},
        )
        self.assertTrialBalanceBalances()

    def test_channel_fee_taken_before_sharing(self):
        """WeChat Pay takes its 0.6 % before sharing: the operator gets its commission only,
        the fee is booked out of the held funds; shared ahead, then the rest refunded."""
        self.fake.fee_ratio = 60
        self.addCleanup(setattr, self.fake, "fee_ratio", 0)
        self.env["city.split.rule"].search([("merchant_id", "=", self.merchant_a.id)]).channel_fee_percent = 0.6
        order, tx = self._paid(qty=2)
        frozen = self.fake._ps_account(self.fake.orders[tx.reference])["frozen"]
        self.assertEqual(frozen, 9940, "paid 100.00 less WeChat's 0.60")
        self._deliver(order, 50.0, "a")  # merchant 44.70, platform 5.00, channel fee 0.30
        self.assertEqual([r["amount"] for r in self._share()[0]["receivers"]], [500], "no fee to the operator")
        self._age(tx, days=29)
        sent = self._share(deadline=True)
        self.assertEqual([r["amount"] for r in sent[0]["receivers"]], [500])
        payouts = tx.wechatpay_ps_payout_ids.sorted("id")
        self.assertEqual(payouts.mapped("wechatpay_amount_fee"), [0.3, 0.3])
        self.assertEqual(payouts[1].mapped("wechatpay_amount_ahead"), [44.7])
        self.assertEqual(
            self.fake.orders[tx.reference]["ps"], {**self.fake.orders[tx.reference]["ps"], "frozen": 0, "balance": 8940}
        )
        chfee = self.accounts["city_channel_fee_account_id"]
        # the undelivered ticket's fee, taken ahead (as the commission shared ahead): its split books it on delivery
        self.assertEqual(self._account_balance(chfee), -0.3)
        self.assertEqual(self._balances()["held"], 0.0)
        # The unredeemed ticket is refunded: WeChat gives its fee (0.30) back, the merchant's balance pays 44.70.
        order.city_escrow_ids._refund(50.0, "test.refund,1", "退款")
        refund = tx._city_refund_to_channel(50.0, "T1")
        refund._wechatpay_apply("refund", self.fake.refund_resource(refund.wechatpay_out_refund_no))
        refund._post_process()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        clawback = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback")
        self.assertEqual((clawback.amount, clawback.wechatpay_amount_fee), (44.7, -0.3))
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 4470, "the delivered ticket's 44.70")
        self.assertEqual(tx._wechatpay_ps_balance_fen(), 4470, "the suite's figure of the merchant's balance")
        self.assertEqual(
            self._balances(),
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 5.0, "escrow": 0.0, "operator": -5.0},
        )
        self.assertEqual(self._account_balance(chfee), 0.0)
        self.assertTrialBalanceBalances()

    def _fee_bill_case(self, price):
        """A ¥``price`` ticket of merchant A, WeChat's fee 0.6 % of the payment, the split's 0.6 % of
        each of two half deliveries: a paid order of one, aged 2 minutes."""
        self.fake.fee_ratio = 60
        self.addCleanup(setattr, self.fake, "fee_ratio", 0)
        self.env["city.split.rule"].search([("merchant_id", "=", self.merchant_a.id)]).channel_fee_percent = 0.6
        product = self._create_merchant_product(self.merchant_a, price, name="手续费对账券")
        return self._paid(qty=1, product=product)

    def _reconcile_bill(self, tx, fee_fen, company):
        """WeChat's trade bill of ``tx``'s day with ``fee_fen`` of fee, imported and reconciled
        by a user in ``company``."""
        local = pytz.utc.localize(tx.last_state_change).astimezone(pytz.timezone("Asia/Shanghai"))
        stamp = local.strftime("%Y-%m-%d %H:%M:%S")
        bill = wechat_bill([wechat_payment(stamp, tx.reference, self._fen(tx), tx.provider_reference, fee=fee_fen)])
        self.env["city.payment.bill"]._import_file(bill, provider=self.provider, bill_date=local.date())
        run = self.env["city.reconciliation"]._get_or_create(local.date(), local.date(), provider=self.provider)
        run.with_company(company)._reconcile()
        return run

    def _all_balances(self):
        return {**self._balances(), "chfee": self._account_balance(self.accounts["city_channel_fee_account_id"])}

    def _statement_paid(self):
        settlement = self.env["city.settlement"]._run_settlements(merchants=self.merchant_a, company=self.company)
        settlement.action_confirm()
        settlement.action_pay()
        return settlement

    def test_channel_fee_reconciled_with_the_bill(self):
        """Bill before the final share (the common case: the bill comes the day after payment).
        ¥81.50 delivered in two halves of 40.75: the split books 4.08 platform, 0.24 channel fee
        and 36.43 merchant each (0.48 of fee); WeChat took 0.49 (8150 × 0.6 % = 48.9) out of the
        frozen funds. In service-provider mode the merchant bears it: the fen is booked on its
        payable against the held funds, the final share releases 72.85 (what WeChat released:
        81.50 − 8.16 − 0.49), and every account ends at zero but the operator's commission."""
        order, tx = self._fee_bill_case(81.5)
        company_2 = self.env["res.company"].create({"name": "第二运营公司"})
        self._deliver(order, 40.75, "a")
        self._share()
        held, payable = (
            self.accounts["city_wechatpay_held_account_id"],
            self.accounts["city_merchant_payable_account_id"],
        )
        run = self._reconcile_bill(tx, 49, company_2)
        diff = run.difference_ids.filtered(lambda d: d.cause == "wechatpay_fee_adjusted")
        self.assertEqual(
            (diff.reference, diff.bill_amount, diff.odoo_amount, diff.amount), (tx.reference, 0.49, 0.48, 0.01)
        )
        adjustment = run.wechatpay_fee_adjustment_ids
        self.assertEqual(
            (adjustment.amount, adjustment.merchant_id, adjustment.amount_released, adjustment.payout_id),
            (0.01, self.merchant_a, 0.0, self.env["city.settlement.payout"]),
        )
        move = adjustment.move_id
        self.assertEqual(
            sorted((line.account_id.code, line.partner_id, line.debit, line.credit) for line in move.line_ids),
            sorted([(payable.code, self.merchant_a, 0.01, 0.0), (held.code, self.merchant_a, 0.0, 0.01)]),
            "the merchant bears WeChat's fen, on its payable",
        )
        self.assertEqual(move.line_ids.city_merchant_id, self.merchant_a)
        self.assertEqual((move.company_id, move.state), (self.company, "posted"))
        self.assertEqual(tx._wechatpay_ps_frozen_fen(), 8150 - 408 - 24 - 1, "WeChat's fen is gone from the frozen")
        self._deliver(order, 40.75, "b")
        self.Tx.with_company(company_2)._cron_wechatpay_profit_sharing()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        final = tx._wechatpay_ps_final_payout()
        self.assertEqual(
            (final.amount, final.wechatpay_amount_fee, final.wechatpay_amount_released, final.state),
            (4.08, 0.24, 72.85, "done"),
        )
        self.assertEqual(
            self.fake.orders[tx.reference]["ps"],
            {"frozen": 0, "balance": 7285, "shared": 816, "requests": 2, "closed": True, "fee": 49},
            "WeChat released 81.50 − 8.16 − 0.49",
        )
        self.assertEqual(
            self._all_balances(),
            {
                "held": 0.0,  # in 81.50; shared 8.16, fee 0.48 + 0.01, released 72.85
                "ahead": 0.0,
                "payable": 0.0,  # delivered 72.86, WeChat's fen 0.01, released 72.85
                "fee": 8.16,  # the operator's commission
                "escrow": 0.0,
                "operator": -8.16,  # shared to the operator's WeChat account (debit)
                "chfee": 0.0,  # the split's 0.48 on delivery, taken by WeChat with the shares
            },
        )
        self.assertEqual(self._account_balance(payable, self.merchant_a), 0.0)
        run.with_company(company_2)._reconcile()
        self.assertEqual(len(self.env["city.wechatpay.fee.adjustment"].search([("transaction_id", "=", tx.id)])), 1)
        self.assertEqual(self._all_balances()["held"], 0.0, "reconciled again: booked once")
        # The merchant's statement shows the fen and pays what WeChat released.
        settlement = self._statement_paid()
        self.assertEqual(
            (settlement.amount_delivered, settlement.amount_wechatpay_fee, settlement.amount_payout),
            (72.86, -0.01, 72.85),
        )
        self.assertEqual(settlement.wechatpay_fee_adjustment_ids, adjustment)
        self.assertEqual(settlement.closing_balance, 0.0)
        self.assertEqual(
            [(line["reference"], line["amount"]) for line in settlement._wechatpay_statement_fee_lines()],
            [(tx.reference, -0.01)],
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("city_settlement.report_city_settlement", settlement.ids)[0]
            .decode()
        )
        self.assertIn("微信支付账单手续费", html, "the printed statement (in Chinese) lists the adjustment")
        self.assertIn(tx.reference, html)
        self.assertFalse(self.env["account.move.line"].search_count([("company_id", "=", company_2.id)]))
        self.assertTrialBalanceBalances()

    def test_channel_fee_bill_after_the_final_share(self):
        """Bill after the final share. ¥88.80 delivered in two halves of 44.40 (platform 4.44,
        channel fee 0.27, merchant 39.69 each: 0.54 of fee), shared at once: the share recorded
        79.38 released, but WeChat took 0.53 (8880 × 0.6 % = 53.28) and released 79.39. The
        adjustment books the fen on the merchant's payable and corrects the release (zero on the
        balances): the merchant's payouts and statement show 79.39."""
        order, tx = self._fee_bill_case(88.8)
        company_2 = self.env["res.company"].create({"name": "第二运营公司"})
        self._deliver(order, 44.4, "a")
        self._deliver(order, 44.4, "b")
        self._share()
        final = tx._wechatpay_ps_final_payout()
        self.assertEqual(
            (final.amount, final.wechatpay_amount_fee, final.wechatpay_amount_released), (8.88, 0.54, 79.38)
        )
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 7939, "WeChat released 88.80 − 8.88 − 0.53")
        run = self._reconcile_bill(tx, 53, company_2)
        adjustment = run.wechatpay_fee_adjustment_ids
        self.assertEqual(
            (adjustment.amount, adjustment.merchant_id, adjustment.amount_released, adjustment.payout_id),
            (-0.01, self.merchant_a, 0.01, final),
        )
        held, payable = (
            self.accounts["city_wechatpay_held_account_id"],
            self.accounts["city_merchant_payable_account_id"],
        )
        self.assertEqual(
            sorted((line.account_id.code, line.debit, line.credit) for line in adjustment.move_id.line_ids),
            sorted(
                [
                    (payable.code, 0.0, 0.01),  # WeChat charged a fen less: the merchant's
                    (held.code, 0.01, 0.0),
                    (payable.code, 0.01, 0.0),  # ... and WeChat released it
                    (held.code, 0.0, 0.01),
                ]
            ),
        )
        self.assertEqual(adjustment.move_id.line_ids.partner_id, self.merchant_a)
        self.assertEqual(adjustment.move_id.company_id, self.company)
        self.assertEqual(final.wechatpay_amount_released_adjusted, 79.39)
        unfreeze = [line for line in final._wechatpay_bill_lines() if line.kind == "unfreeze"]
        self.assertEqual([line.amount for line in unfreeze], [7939], "as on WeChat's profit-sharing bill")
        self.assertEqual(tx._wechatpay_ps_frozen_fen(), 0)
        self.assertEqual(tx._wechatpay_ps_balance_fen(), 7939)
        self.assertEqual(
            self._all_balances(),
            {
                "held": 0.0,  # in 88.80; shared 8.88, fee 0.54 − 0.01, released 79.38 + 0.01
                "ahead": 0.0,
                "payable": 0.0,  # delivered 79.38, WeChat's fen +0.01, released 79.39
                "fee": 8.88,
                "escrow": 0.0,
                "operator": -8.88,
                "chfee": 0.0,
            },
        )
        self.assertFalse(self._share(), "nothing left for the next run")
        settlement = self._statement_paid()
        self.assertEqual(
            (settlement.amount_delivered, settlement.amount_wechatpay_fee, settlement.amount_payout),
            (79.38, 0.01, 79.39),
            "the statement pays what WeChat released",
        )
        self.assertEqual(settlement.closing_balance, 0.0)
        self.assertFalse(self.env["account.move.line"].search_count([("company_id", "=", company_2.id)]))
        self.assertTrialBalanceBalances()

    def test_channel_fee_bill_while_the_final_share_is_refused(self):
        """The bill is reconciled while the final share is still to be confirmed (WeChat
        unreachable); WeChat then refuses it: the release correction is cancelled, and the next
        run's final share, counting WeChat's fee, releases 79.39 itself."""
        order, tx = self._fee_bill_case(88.8)
        self._deliver(order, 44.4, "a")
        self._deliver(order, 44.4, "b")
        self.fake.fail_next["/v3/profitsharing/orders"] = 503
        self._share()
        first = tx._wechatpay_ps_final_payout()
        self.assertEqual((first.state, first.wechatpay_amount_released), ("pending", 79.38))
        adjustment = self._reconcile_bill(tx, 53, self.company).wechatpay_fee_adjustment_ids
        self.assertEqual((adjustment.payout_id, adjustment.amount_released), (first, 0.01))
        self.fake.fail_next["/v3/profitsharing/orders"] = 400
        self._share()
        self.assertEqual((first.state, tx.wechatpay_ps_state), ("failed", "open"))
        self.assertFalse(tx.wechatpay_ps_payout_ids - first, "nothing settled as released")
        self.assertEqual((adjustment.payout_id, adjustment.amount_released), (first.browse(), 0.0))
        self._share()
        final = tx._wechatpay_ps_final_payout()
        self.assertEqual((final.state, final.wechatpay_amount_released), ("done", 79.39), "WeChat's rest")
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 7939)
        self.assertEqual(
            self._all_balances(),
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 8.88, "escrow": 0.0, "operator": -8.88, "chfee": 0.0},
        )
        self.assertTrialBalanceBalances()

    def test_final_unfreeze_with_nothing_left_sends_nothing(self):
        """One of two tickets delivered and shared, then the whole order refunded by the button
        (the commission returned first): the final run finds no receiver owed and nothing frozen;
        WeChat's unfreeze needs a positive remainder, so no request is sent and the transaction
        is closed by a share recorded done at once."""
        order, tx = self._paid(qty=2)
        self._deliver(order, 50.0, "a")
        self._share()
        refund = tx._send_refund_request(amount_to_refund=100.0)
        refund._wechatpay_apply("refund", self.fake.refund_resource(refund.wechatpay_out_refund_no))
        refund._post_process()
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["frozen"], 0)
        self.assertEqual(tx._wechatpay_ps_frozen_fen(), 0)
        self.assertFalse(self._share(), "no unfreeze of nothing")
        self.assertEqual(tx.wechatpay_ps_state, "closed")
        closing = tx._wechatpay_ps_final_payout()
        self.assertEqual(
            (closing.amount, closing.wechatpay_amount_released, closing.state, closing.wechatpay_order_id),
            (0.0, 0.0, "done", False),
        )
        self.assertEqual(tx.wechatpay_ps_requests, 1, "none of WeChat's 50 used")
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["requests"], 1)
        self.assertFalse(closing._wechatpay_bill_lines())
        self.assertFalse(self._share(), "nothing for the next run either")
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        self.assertEqual(
            self._all_balances(),
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 0.0, "escrow": 0.0, "operator": 0.0, "chfee": 0.0},
        )
        self.assertTrialBalanceBalances()

    def test_refund_on_wechat_platform_after_sharing(self):
        """¥100 (two tickets of ¥50; platform 5.00, channel fee 0.30, merchant 44.70 each) delivered
        and shared, then one ticket's worth refunded on WeChat's merchant platform: WeChat takes it
        from the merchant's balance (49.70: it gives its 0.30 fee back). The refund notice books it
        on the escrow, ``wechatpay_ps_from_balance`` 50.00; the next run returns (回退) the
        operator's 5.00 commission, then records the clawback of 44.70 (what the balance gave net
        of the return), as for a refund sent by the suite."""
        self.fake.fee_ratio = 60
        self.addCleanup(setattr, self.fake, "fee_ratio", 0)
        self.env["city.split.rule"].search([("merchant_id", "=", self.merchant_a.id)]).channel_fee_percent = 0.6
        order, tx = self._paid(qty=2)
        company_2 = self.env["res.company"].create({"name": "第二运营公司"})
        self._deliver(order, 50.0, "a")
        self._deliver(order, 50.0, "b")
        self._share()
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 8940)
        resource = self.fake.platform_refund(tx.reference, 5000)
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 8940 - 4970, "WeChat gave its 0.30 back")
        refund = self.Tx._wechatpay_apply("refund", resource)
        self.assertEqual((refund.source_transaction_id, refund.state), (tx, "done"))
        self.assertEqual(refund.wechatpay_ps_external, "to_book")
        refund.with_company(company_2)._post_process()
        self.assertEqual((refund.wechatpay_ps_external, refund.wechatpay_ps_from_balance), ("returning", 50.0))
        self.assertEqual(order.city_escrow_ids.amount_reversed, 50.0)
        self.assertFalse(tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback"), "returns first")
        self.fake.requests.clear()
        self.Tx.with_company(company_2)._cron_wechatpay_profit_sharing()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        posts = [path for method, path, _body in self.fake.requests if method == "POST"]
        self.assertEqual(posts, ["/v3/profitsharing/return-orders"], "回退 after the fact, no share")
        returned = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "return")
        self.assertEqual((returned.amount, returned.state), (5.0, "done"))
        self.assertEqual(self.fake.returns[returned.reference]["return_mchid"], self.fake.mchid)
        clawback = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback")
        self.assertEqual(
            (clawback.amount, clawback.wechatpay_amount_fee, clawback.wechatpay_amount_ahead, clawback.state),
            (44.7, -0.3, 0.0, "done"),
        )
        self.assertEqual(refund.wechatpay_ps_external, "done")
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 4470, "the delivered ticket's 44.70")
        self.assertEqual(tx._wechatpay_ps_balance_fen(), 4470, "the suite's figure of the merchant's balance")
        self.assertEqual(
            self._all_balances(),
            {
                "held": 0.0,
                "ahead": 0.0,
                "payable": 0.0,  # delivered 89.40, released 89.40; reversed 44.70, clawed back 44.70
                "fee": 5.0,  # the commission of the ticket kept
                "escrow": 0.0,
                "operator": -5.0,  # shared 10.00, returned 5.00
                "chfee": 0.0,  # 0.60 taken, 0.30 reversed with the delivery, given back by WeChat
            },
        )
        self.assertFalse(self.env["account.move.line"].search_count([("company_id", "=", company_2.id)]))
        self.fake.requests.clear()
        self._share()
        self.assertFalse([r for r in self.fake.requests if r[0] == "POST"], "settled once")
        self.assertEqual(len(tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback")), 1)
        self.assertTrialBalanceBalances()

    def test_refund_on_wechat_platform_after_the_deadline(self):
        """Shared ahead at the deadline (the undelivered ticket's 5.00 commission and 0.30 fee,
        44.70 released ahead), then that ticket refunded on WeChat's merchant platform: the run
        returns the commission (回退), then the clawback takes back the 44.70 released ahead."""
        self.fake.fee_ratio = 60
        self.addCleanup(setattr, self.fake, "fee_ratio", 0)
        self.env["city.split.rule"].search([("merchant_id", "=", self.merchant_a.id)]).channel_fee_percent = 0.6
        order, tx = self._paid(qty=2)
        self._deliver(order, 50.0, "a")
        self._share()
        self._age(tx, days=29)
        self._share(deadline=True)
        refund = self.Tx._wechatpay_apply("refund", self.fake.platform_refund(tx.reference, 5000))
        refund._post_process()
        self.assertEqual((refund.wechatpay_ps_external, refund.wechatpay_ps_from_balance), ("returning", 50.0))
        self.assertEqual((order.city_escrow_ids.amount_refunded, order.city_escrow_ids.amount_residual), (50.0, 0.0))
        self._share()
        returned = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "return")
        self.assertEqual((returned.amount, returned.state), (5.0, "done"), "the commission shared ahead")
        clawback = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback")
        self.assertEqual(
            (clawback.amount, clawback.wechatpay_amount_ahead, clawback.wechatpay_amount_fee), (44.7, -44.7, -0.3)
        )
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 4470, "the delivered ticket's 44.70")
        self.assertEqual(tx._wechatpay_ps_balance_fen(), 4470, "the suite's figure of the merchant's balance")
        self.assertEqual(
            self._all_balances(),
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 5.0, "escrow": 0.0, "operator": -5.0, "chfee": 0.0},
        )
        self.assertFalse(self._share(), "nothing left for the next run")
        self.assertTrialBalanceBalances()

    def test_deadline_then_refund_button_returns_first(self):
        """Shared ahead at the deadline, then the unredeemed ticket refunded with Odoo's refund
        button (not booked by a caller): the refund is booked on the escrow before it is sent,
        the operator's commission returned (回退) first, what the merchant's balance paid back
        recorded; every entry in the transaction's company, whatever company the user is in."""
        self.fake.fee_ratio = 60
        self.addCleanup(setattr, self.fake, "fee_ratio", 0)
        self.env["city.split.rule"].search([("merchant_id", "=", self.merchant_a.id)]).channel_fee_percent = 0.6
        order, tx = self._paid(qty=2)
        self._deliver(order, 50.0, "a")  # merchant 44.70, platform 5.00, channel fee 0.30
        self._share()
        self._age(tx, days=29)
        self._share(deadline=True)  # the undelivered ticket's 5.00 (and fee 0.30) ahead, 44.70 released ahead
        self.assertEqual((self._balances()["ahead"], self._balances()["operator"]), (-44.7, -10.0))
        company_2 = self.env["res.company"].create({"name": "第二运营公司"})
        self.fake.requests.clear()
        refund = tx.with_company(company_2).sudo()._send_refund_request(amount_to_refund=50.0)
        posts = [path for method, path, _body in self.fake.requests if method == "POST"]
        self.assertEqual(posts, ["/v3/profitsharing/return-orders", "/v3/refund/domestic/refunds"], "回退 first")
        returned = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "return")
        self.assertEqual((returned.amount, returned.state), (5.0, "done"), "the commission shared ahead")
        self.assertEqual(self.fake.returns[returned.reference]["return_mchid"], self.fake.mchid)
        self.assertFalse(refund.wechatpay_book_escrow, "booked before sending, not again when done")
        self.assertEqual((order.city_escrow_ids.amount_refunded, order.city_escrow_ids.amount_residual), (50.0, 0.0))
        self.assertEqual(refund.wechatpay_ps_from_balance, 50.0)
        refund._wechatpay_apply("refund", self.fake.refund_resource(refund.wechatpay_out_refund_no))
        refund.with_company(company_2)._post_process()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        self.assertEqual(order.city_escrow_ids.amount_refunded, 50.0, "booked once")
        clawback = tx.wechatpay_ps_payout_ids.filtered(lambda p: p.wechatpay_kind == "clawback")
        self.assertEqual(
            (clawback.amount, clawback.wechatpay_amount_ahead, clawback.wechatpay_amount_fee), (44.7, -44.7, -0.3)
        )
        held, ahead = self.accounts["city_wechatpay_held_account_id"], self.accounts["city_wechatpay_ahead_account_id"]
        chfee = self.accounts["city_channel_fee_account_id"]
        self.assertEqual(
            sorted((ln.account_id.code, ln.debit, ln.credit) for ln in clawback.wechatpay_move_id.line_ids),
            sorted([(held.code, 44.7, 0.0), (ahead.code, 0.0, 44.7), (chfee.code, 0.0, 0.3), (held.code, 0.3, 0.0)]),
            "the merchant's balance gave back 44.70 released ahead; WeChat Pay gave the fee back",
        )
        self.assertEqual(self.fake.orders[tx.reference]["ps"]["balance"], 4470, "the delivered ticket's 44.70")
        self.assertEqual(tx._wechatpay_ps_balance_fen(), 4470, "the suite's figure of the merchant's balance")
        self.assertEqual(
            self._balances(),
            {"held": 0.0, "ahead": 0.0, "payable": 0.0, "fee": 5.0, "escrow": 0.0, "operator": -5.0},
        )
        self.assertEqual(self._account_balance(chfee), 0.0)
        self.assertTrue(refund.payment_id)
        self.assertEqual(tx.wechatpay_ps_payout_ids.company_id | refund.payment_id.company_id, self.company)
        self.assertFalse(self.env["account.move.line"].search_count([("company_id", "=", company_2.id)]))
        self.assertFalse(self._share(), "nothing left for the next run")
        self.assertTrialBalanceBalances()

    def test_cap(self):
        with self.assertRaisesRegex(ValidationError, "测试茶饮A.*30"):
            self.env["city.split.rule"].create(
                {"name": "过高", "mode": "fee", "merchant_id": self.merchant_a.id, "platform_fee_percent": 40.0}
            )
        order, tx = self._paid(qty=1)
        self._deliver(order, 50.0, "a")
        self.merchant_a.wechatpay_max_share_percent = 5.0
        tx._wechatpay_ps_lock()
        with self.assertRaisesRegex(UserError, "测试茶饮A.*5"):
            tx._wechatpay_ps_run()
        self.assertFalse(self.fake.share_requests(), "nothing sent")

    def test_profit_sharing_notice(self):
        order, tx = self._paid(qty=1)
        self._deliver(order, 50.0, "a")
        self.fake.share_state = "PROCESSING"
        self._share()
        payout = tx.wechatpay_ps_payout_ids
        self.assertEqual(payout.state, "pending")
        self.fake.share_state = "FINISHED"
        headers, body = self.fake.ps_notice(payout.reference)
        _provider, envelope, resource = self.env["payment.provider"]._wechatpay_parse_notice(headers, body)
        self.assertEqual(self.env["city.wechatpay.notice"]._get_kind(envelope), "profitsharing")
        self.env["city.settlement.payout"]._wechatpay_apply_notice(resource)
        self.assertEqual(payout.state, "done")

    def test_merchant_cannot_change_its_sub_merchant(self):
        with self.assertRaisesRegex(AccessError, "Sub-merchant"):
            self.merchant_a.with_user(self.manager_a).write({"wechatpay_sub_mchid": "1900000999"})
        order, tx = self._paid(qty=1)
        self._deliver(order, 50.0, "a")
        self._share()
        Payout = self.env["city.settlement.payout"]
        self.assertIn(tx.wechatpay_ps_payout_ids, Payout.with_user(self.staff_a).search([]))
        self.assertFalse(Payout.with_user(self.manager_b).search([("id", "in", tx.wechatpay_ps_payout_ids.ids)]))
