# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base: a WeChat Pay provider talking to a fake WeChat Pay server on 127.0.0.1."""

from odoo import Command

from odoo.addons.city_settlement.tests.common import CitySettlementCommon
from odoo.addons.city_wechatpay import const
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay
from odoo.addons.payment import utils as payment_utils


def wechat_tx_vals(env, order, openid, provider=None, partner=None, **vals):
    """The values of a WeChat Pay transaction paying ``order`` (for the module's and the top-level tests)."""
    provider = provider or env.ref("city_wechatpay.payment_provider_wechatpay")
    return {
        "provider_id": provider.id,
        "payment_method_id": env.ref("payment.payment_method_wechat_pay").id,
        "amount": order.amount_total,
        "currency_id": order.currency_id.id,
        "partner_id": (partner or order.partner_id).id,
        "reference": env["payment.transaction"]._compute_reference(
            "wechatpay", sale_order_ids=[Command.set(order.ids)]
        ),
        "operation": "online_direct",
        "sale_order_ids": [Command.set(order.ids)],
        "wechatpay_openid": openid,
        **vals,
    }


class WechatpayCommon(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeWechatPay().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.env["ir.config_parameter"].sudo().set_param(const.GATEWAY_PARAM, cls.fake.url)
        cls.wechat_method = cls.env.ref("payment.payment_method_wechat_pay")
        cls.provider = cls.env.ref("city_wechatpay.payment_provider_wechatpay")
        cls.provider.write(
            {
                **cls.fake.provider_vals(),
                "state": "test",
                "is_published": True,
                "company_id": cls.company.id,
                "journal_id": cls.city_bank_journal.id,
            }
        )
        cls.wechat_method.active = True
        cls.product = cls._create_merchant_product(cls.merchant_a, 88.8, name="测试奶茶券")

    def setUp(self):
        super().setUp()
        self.fake.requests.clear()  # the fake server lives for the class; each test sees its own calls

    @classmethod
    def _create_wechat_tx(cls, order, openid="o-member-openid-0001", provider=None, **vals):
        provider = provider or cls.provider
        return (
            cls.env["payment.transaction"]
            .sudo()
            .create(wechat_tx_vals(cls.env, order, openid, provider, partner=order.partner_invoice_id, **vals))
        )

    def _prepaid_tx(self, price=None, **vals):
        order = self._create_order(self.member, [(self.product, 1, price)] if price else self.product)
        tx = self._create_wechat_tx(order, **vals)
        values = tx._get_processing_values()
        return order, tx, values

    def _fen(self, tx):
        return payment_utils.to_minor_currency_units(tx.amount, tx.currency_id)

    def _post_notice(self, headers, body):
        return self.url_open(const.WEBHOOK_URL, data=body.encode(), headers=headers)

    def _cron_triggered(self):
        cron = self.env.ref("payment.cron_post_process_payment_tx")
        return self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)])
