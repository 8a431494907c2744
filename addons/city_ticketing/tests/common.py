# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base of city_ticketing: ticket products of merchants A and B, bought and paid for real."""

from odoo.addons.city_settlement.tests.common import CitySettlementCommon


class CityTicketingCommon(CitySettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.member_2 = cls.env["res.partner"].create({"name": "会员李四", "is_member": True})
        cls.voucher_a = cls._create_ticket_product(cls.merchant_a, 99.0, name="双人火锅套餐券", city_quota=100)
        cls.voucher_b = cls._create_ticket_product(cls.merchant_b, 59.0, name="私教体验课")
        cls.card_a = cls._create_ticket_product(
            cls.merchant_a, 100.0, name="十次洗车卡", city_ticket_type="multi_use", city_uses=3
        )

    @classmethod
    def _create_ticket_product(cls, merchant, price, name=None, **vals):
        """A ticket product (voucher unless ``city_ticket_type`` says otherwise) of ``merchant``."""
        vals = {"city_ticket_type": "voucher", "city_valid_days": 30, **vals}
        return cls._create_merchant_product(merchant, price, name=name or f"{merchant.name} 代金券", **vals)

    @classmethod
    def _buy_tickets(cls, product, qty=1, member=None):
        """Order ``qty`` of ``product`` for ``member``, pay it, return the issued tickets."""
        order = cls._create_paid_order(member or cls.member, [(product, qty)])
        return order.city_ticket_ids.sorted("id")
