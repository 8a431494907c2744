# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two-level commissions in service-provider mode (issue #11, item 4): the referrer is a
personal profit-sharing receiver on the paying merchant's transaction; a refund after
sharing cannot return its share (回退 is for merchant receivers): its clawback is
recorded and the referrer owes it in the books."""

import ast
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.city_wechatpay.tests.common import WechatpayCommon

REFERRER_OPENID = "o-referrer-openid-0001"


@tagged("post_install", "-at_install")
class TestPersonalCommission(WechatpayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.write({"wechatpay_mode": "partner", "wechatpay_receiver_name": "城市生活运营有限公司"})
        cls.merchant_a.write({"wechatpay_sub_mchid": cls.fake.sub_mchid, "wechatpay_legal_name": "测试茶饮A有限公司"})
        cls.env["city.split.rule"].create(
            {
                "name": "A 服务费与分销",
                "mode": "fee",
                "merchant_id": cls.merchant_a.id,
                "platform_fee_percent": 10.0,
                "commission_l1_percent": 5.0,
            }
        )
        cls.referrer = cls.env["res.partner"].create({"name": "推荐人李四", "is_member": True})
        cls.member.city_referrer_id = cls.referrer
        # the referrer paid through the mini-program once: its openid under the provider's app is known
        earlier = cls._create_order(cls.referrer, cls.product)
        cls._create_wechat_tx(earlier, openid=REFERRER_OPENID, wechatpay_appid=cls.fake.appid)
        cls.ticket = cls._create_merchant_product(cls.merchant_a, 100.0, name="分销测试券")
        cls.accounts = cls.company._city_get_accounts()

    def test_commission_shared_to_referrer_and_clawed_back(self):
        order = self._create_order(self.member, self.ticket)
        tx = self._create_wechat_tx(order)
        tx._get_processing_values()
        tx._wechatpay_apply("payment", self.fake.pay(tx.reference))
        tx._post_process()
        tx.last_state_change = fields.Datetime.now() - timedelta(minutes=2)
        order.city_escrow_ids._release(100.0, f"test.use,{order.id}")
        self.env["payment.transaction"]._cron_wechatpay_profit_sharing()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        (share,) = [self.fake.shares[p.reference] for p in tx.wechatpay_ps_payout_ids]
        self.assertEqual(
            sorted((r["type"], r["account"], r["amount"]) for r in share["receivers"]),
            [
                ("MERCHANT_ID", self.fake.mchid, 1000),
                ("MERCHANT_ID", self.fake.sub_mchid, 8500),  # unfrozen to the merchant
                ("PERSONAL_OPENID", REFERRER_OPENID, 500),
            ],
        )
        added = self.fake.receivers[(self.fake.sub_mchid, REFERRER_OPENID)]
        self.assertEqual(
            (added["type"], added["relation_type"], added["name"]), ("PERSONAL_OPENID", "DISTRIBUTOR", "推荐人李四")
        )
        commission = self.accounts["city_commission_account_id"]
        self.assertEqual(self._account_balance(commission, self.referrer), 0.0, "paid by WeChat Pay")

        # refunded after sharing: the operator's share is returned, the referrer's cannot be
        self.fake.orders[tx.reference]["ps"]["balance"] += 10000  # the merchant's other takings
        refund = tx._send_refund_request(amount_to_refund=100.0)
        kinds = {p.wechatpay_kind: p for p in tx.wechatpay_ps_payout_ids}
        self.assertEqual((kinds["return"].amount, kinds["return"].state), (10.0, "done"))
        clawback = kinds["personal_clawback"]
        self.assertEqual(
            (clawback.amount, clawback.state, clawback.wechatpay_referrer_id), (5.0, "done", self.referrer)
        )
        self.assertEqual(
            [r["return_mchid"] for r in self.fake.returns.values() if r["out_order_no"] == share["out_order_no"]],
            [self.fake.mchid],
        )
        refund._wechatpay_apply("refund", self.fake.refund_resource(refund.wechatpay_out_refund_no))
        refund._post_process()
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        self.env["payment.transaction"]._cron_wechatpay_profit_sharing()  # nothing more is shared or returned
        self.env["city.settlement.allocation"]._post_batch(company=self.company)
        self.assertEqual(
            sorted(tx.wechatpay_ps_payout_ids.mapped(lambda p: (p.wechatpay_kind, p.amount, p.state))),
            [
                ("clawback", 90.0, "done"),  # the merchant's balance paid the rest of the refund: 85.00 + 5.00
                ("personal_clawback", 5.0, "done"),
                ("return", 10.0, "done"),
                ("settle", 0.0, "done"),  # the cron marks the reversal, which releases nothing
                ("share", 15.0, "done"),
            ],
        )
        payable = self.accounts["city_merchant_payable_account_id"]
        self.assertEqual(self._account_balance(commission, self.referrer), -5.0, "the referrer owes 5.00")
        self.assertEqual(self._account_balance(payable, self.merchant_a), 5.0, "owed to the merchant, who paid it")
        self.assertEqual(self._account_balance(self.accounts["city_wechatpay_held_account_id"]), 0.0)
        self.assertEqual(self._account_balance(self.accounts["city_platform_income_account_id"]), 0.0)
        action = self.env.ref("city_wechatpay.city_settlement_payout_action_clawback")
        shown = self.env["city.settlement.payout"].with_user(self.operator).search(ast.literal_eval(action.domain))
        self.assertEqual(shown, clawback)
        self.assertTrialBalanceBalances()
