# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data loaders of the settlement (called by the ``demo/*.xml`` files only).

Kept out of the business models, as ``account/demo`` does in Odoo: the orders of the
demo are paid through real ``payment.transaction`` records of Odoo's demo payment
provider (``payment_demo``), and the demo channel bill is written from those
transactions, so that the demo reconciliation matches them.
"""

from decimal import Decimal

import pytz

from odoo import Command, api, models

from odoo.addons.city_base.tools.allocation import from_fen, to_fen

from ..engine.reconcile import fee_for
from ..models.city_payment_bill import BILL_TZ

DEMO_FEE_RATE = Decimal("0.006")  # WeChat Pay's usual 0.6 %


class CitySettlementDemo(models.AbstractModel):
    _name = "city.settlement.demo"
    _description = "City Settlement: demo data"

    # ------------------------------------------------------------
    # PAYMENTS
    # ------------------------------------------------------------

    @api.model
    def _get_demo_provider(self):
        return self.env.ref("payment.payment_provider_demo")

    @api.model
    def _pay_orders(self, orders):
        """Pay each confirmed order through a transaction of the demo provider, as a
        member pays the order's invoice online (the portal's flow): the invoice is
        posted, the provider's notice comes (``simulated_state`` done), then Odoo's
        post-processing creates the payment, which pays the invoice and so the order
        (its "order paid" event). Returns the transactions.

        (Paying the order itself would also send sale's order mails, each rendering
        the quotation PDF: not what demo data should do while installing.)
        """
        provider = self._get_demo_provider()
        method = self.env.ref("payment_demo.payment_method_demo")
        Transaction = self.env["payment.transaction"].sudo()
        transactions = Transaction
        for order in orders:
            invoice = order._create_invoices()
            invoice.action_post()
            tx = Transaction.create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "reference": Transaction._compute_reference(provider.code, prefix=invoice.name),
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
            tx._handle_notification_data("demo", {"reference": tx.reference, "simulated_state": "done"})
            transactions |= tx
        transactions._post_process()
        return transactions

    # ------------------------------------------------------------
    # SETTLEMENT
    # ------------------------------------------------------------

    @api.model
    def _create_demo_data(self):
        """Two orders paid through the demo provider, one delivery released, posted
        in a batch entry, and a draft settlement of the merchant."""
        ref = self.env.ref
        orders = self.env["sale.order"]
        for member, products in (
            ("city_base.demo_member_03", ["demo_product_hotpot_set", "demo_product_tea_voucher"]),
            ("city_base.demo_member_05", ["demo_product_cinema_ticket"]),
        ):
            order = self.env["sale.order"].create(
                {
                    "partner_id": ref(member).id,
                    "order_line": [
                        Command.create({"product_id": ref(f"city_settlement.{p}").id, "product_uom_qty": 1})
                        for p in products
                    ],
                }
            )
            order.action_confirm()
            orders |= order
        self._pay_orders(orders)
        hotpot = orders[0].city_escrow_ids.filtered(
            lambda e: e.merchant_id == ref("city_base.demo_merchant_hotpot_shu")
        )
        if hotpot:
            # Delivered at the shop: the order line is the delivery's source document.
            hotpot._release(hotpot.amount_residual, hotpot.order_line_id)
            self.env["city.settlement"]._run_settlements(merchants=hotpot.merchant_id)
        return orders

    # ------------------------------------------------------------
    # CHANNEL BILL
    # ------------------------------------------------------------

    @api.model
    def _create_demo_bill(self):
        """The demo provider's trades not yet on a bill, as a WeChat Pay trade bill (one
        line per done payment, the fee at 0.6 %), imported and reconciled: every line
        matches. Modules with demo sales of their own call it again after them."""
        provider = self._get_demo_provider()
        transactions = self.env["payment.transaction"].search(
            [
                ("provider_id", "=", provider.id),
                ("state", "=", "done"),
                ("operation", "not in", ("validation", "refund")),
            ],
            order="last_state_change, id",
        )
        billed = self.env["city.payment.bill.line"].search([("reference", "in", transactions.mapped("reference"))])
        transactions = transactions.filtered(lambda tx: tx.reference not in set(billed.mapped("reference")))
        if not transactions:
            return self.env["city.payment.bill"]
        data, day = self._write_wechat_bill(transactions)
        Bill = self.env["city.payment.bill"]
        bill = Bill._import_file(
            data, file_name=f"wechat_trade_bill_{day}.csv", bill_format="wechat", provider=provider
        )
        bill.action_reconcile()
        return bill

    @api.model
    def _write_wechat_bill(self, transactions):
        """A WeChat Pay trade bill (CSV, as downloaded) of ``transactions``: ``(bytes, first day)``."""
        tz = pytz.timezone(BILL_TZ)
        header = (
            "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
            "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
            "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
        )
        rows = [header]
        total_fen = fee_total = 0
        first_day = None
        for index, tx in enumerate(transactions, start=1):
            local = pytz.utc.localize(tx.last_state_change).astimezone(tz)
            first_day = first_day or local.date()
            amount_fen = to_fen(tx.amount)
            fee_fen = fee_for(amount_fen, DEMO_FEE_RATE)
            total_fen += amount_fen
            fee_total += fee_fen
            amount = f"{from_fen(amount_fen):.2f}"
            cells = [
                local.strftime("%Y-%m-%d %H:%M:%S"),
                "wx2421b1c4370ec43b",
                "1900000109",
                "0",
                "",
                tx.provider_reference or f"42000024012026{index:014d}",
                tx.reference,
                "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                "JSAPI",
                "SUCCESS",
                "OTHERS",
                "CNY",
                amount,
                "0.00",
                "0",
                "0",
                "0.00",
                "0.00",
                "",
                "",
                ", ".join(tx.invoice_ids.invoice_line_ids.sale_line_ids.order_id.mapped("name")) or "同城商圈",
                "",
                f"{from_fen(fee_fen):.2f}000",
                "0.60%",
                amount,
                "0.00",
                "",
            ]
            rows.append(",".join("`" + cell for cell in cells))
        rows.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        total = f"{from_fen(total_fen):.2f}"
        rows.append(f"`{len(transactions)},`{total},`0.00,`0.00,`{from_fen(fee_total):.2f}000,`{total},`0.00")
        return ("\r\n".join(rows) + "\r\n").encode("utf-8-sig"), first_day
