# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, fields, models

from odoo.addons.city_base.tools.allocation import from_fen, to_fen

FEE_CAUSE = "wechatpay_fee_adjusted"


class CityReconciliation(models.Model):
    _inherit = "city.reconciliation"

    wechatpay_fee_adjustment_ids = fields.One2many(
        "city.wechatpay.fee.adjustment", "reconciliation_id", string="Channel Fee Adjustments", readonly=True
    )

    def _get_fund_flow_payouts(self):
        """Override of `city_settlement`: WeChat Pay profit sharing moves money on the channel
        account per share and return; a statement paid by profit sharing, a delivery after
        release and a refund from the merchant's balance move nothing there."""
        return (
            super()
            ._get_fund_flow_payouts()
            .filtered(lambda p: p.channel != "wechatpay" or p.wechatpay_kind in ("share", "return"))
        )

    def _reconcile(self):
        """Override of `city_settlement`: the channel fee of each WeChat Pay transaction of the
        range is reconciled with the bill's and the difference booked first (so the booked fees
        compared with the fund flow include it), then shown per transaction
        (see city_wechatpay_fee_adjustment.py)."""
        rows = self._wechatpay_adjust_fees()
        result = super()._reconcile()
        self._wechatpay_fee_differences(rows)
        result.wechatpay_fee_rows = rows
        return result

    def _wechatpay_fee_transactions(self):
        """The WeChat Pay payments the range's trade-bill lines are of."""
        self.ensure_one()
        references = list(set(self._get_bill_lines().mapped("reference")))
        if not references:
            return self.env["payment.transaction"]
        return self.env["payment.transaction"].search(
            [
                *self._get_transaction_domain(),
                ("provider_code", "=", "wechatpay"),
                ("operation", "!=", "refund"),
                ("reference", "in", references),
            ]
        )

    def _wechatpay_adjust_fees(self):
        self.ensure_one()
        return self.env["city.wechatpay.fee.adjustment"]._adjust(
            self._wechatpay_fee_transactions(), reconciliation=self
        )

    def _get_booked_fee(self):
        """Override of `city_settlement`: the fee adjustments booked for the range's transactions count too."""
        booked = super()._get_booked_fee()
        adjustments = self.env["city.wechatpay.fee.adjustment"].search(
            [("transaction_id", "in", self._wechatpay_fee_transactions().ids)]
        )
        return booked + sum(to_fen(a.amount) for a in adjustments)

    def _wechatpay_fee_differences(self, rows):
        self.ensure_one()
        self.env["city.reconciliation.difference"].create(
            [
                {
                    "reconciliation_id": self.id,
                    "cause": FEE_CAUSE,
                    "reference": tx.reference,
                    "bill_amount": float(from_fen(bill_fen)),
                    "odoo_amount": float(from_fen(suite_fen)),
                    "amount": float(from_fen(bill_fen - suite_fen)),
                    "transaction_ids": [fields.Command.set(tx.ids)],
                    "resolved": True,
                    "note": _("Booked on the channel fee account: %s", adjustment.move_id.name)
                    if adjustment
                    else _("Booked by an earlier reconciliation."),
                }
                for tx, bill_fen, suite_fen, adjustment in rows
            ]
        )

    def _iter_difference_rows(self, result):
        """Override of `city_settlement`: the sheet lists each transaction's fee difference too."""
        yield from super()._iter_difference_rows(result)
        causes = self._get_sheet_labels("city.reconciliation.difference", "cause")
        for tx, bill_fen, suite_fen, _adjustment in getattr(result, "wechatpay_fee_rows", []):
            booked = self.env["city.wechatpay.fee.adjustment"].sudo().search([("transaction_id", "=", tx.id)])
            yield (
                causes[FEE_CAUSE],
                tx.reference,
                bill_fen,
                suite_fen,
                bill_fen - suite_fen,
                "",
                ", ".join(booked.move_id.mapped("name")),
                "已调整" if to_fen(sum(booked.mapped("amount"))) == bill_fen - suite_fen else "",
            )


class CityReconciliationDifference(models.Model):
    _inherit = "city.reconciliation.difference"

    cause = fields.Selection(
        selection_add=[(FEE_CAUSE, "Channel Fee Adjusted to WeChat's Bill")], ondelete={FEE_CAUSE: "cascade"}
    )
