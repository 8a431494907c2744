# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.city_base.tools.allocation import from_fen

from . import const
from .city_wechatpay_mall_payment import parse_time


class CityWechatpayMallRefund(models.Model):
    """A refund of a district payment, notified by WeChat Pay (within 30 days of a payment
    whose points were reported): the points it earned are taken back in proportion,
    never below zero (what could not be taken is recorded), and the shop that funded
    them gets their funding back (city_loyalty's take-back: a ``revoke`` booking)."""

    _name = "city.wechatpay.mall.refund"
    _description = "Smart Business District Refund"
    _order = "id desc"
    _rec_name = "refund_id"

    refund_id = fields.Char(string="WeChat Pay Refund Number", required=True, readonly=True)
    payment_id = fields.Many2one(
        "city.wechatpay.mall.payment", required=True, readonly=True, ondelete="cascade", index=True
    )
    provider_id = fields.Many2one(related="payment_id.provider_id", store=True)
    company_id = fields.Many2one(related="payment_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="payment_id.currency_id")
    partner_id = fields.Many2one(related="payment_id.partner_id", store=True, string="Member")
    merchant_id = fields.Many2one(related="payment_id.merchant_id", store=True, string="Shop", index=True)
    notice_id = fields.Many2one("city.wechatpay.notice", readonly=True, ondelete="set null")
    refund_fen = fields.Integer(string="Refund (fen)", readonly=True)
    amount = fields.Monetary(string="Refund", readonly=True)
    refunded_at = fields.Datetime(string="Refunded On", readonly=True)
    state = fields.Selection(
        [
            ("clawed_back", "Points Taken Back"),
            ("short", "Points Taken Back in Part"),
            ("nothing", "No Points to Take Back"),
            ("late", "After 30 Days"),
        ],
        required=True,
        readonly=True,
    )
    points_due = fields.Integer(string="Points to Take Back", readonly=True)
    points_taken = fields.Integer(string="Points Taken Back", readonly=True)
    points_short = fields.Integer(
        string="Points Not Recovered", readonly=True, help="Already spent by the member: never taken below zero."
    )
    ledger_id = fields.Many2one("city.points.ledger", string="Clawback", readonly=True, ondelete="restrict")

    _sql_constraints = [
        ("payment_refund_unique", "UNIQUE(payment_id, refund_id)", "A district refund is recorded once."),
    ]

    @api.model
    def _mall_payment_of(self, provider, resource):
        return self.env["city.wechatpay.mall.payment"].search(
            [("provider_id", "=", provider.id), ("transaction_id", "=", resource.get("transaction_id"))], limit=1
        )

    @api.model
    def _mall_check(self, provider_sudo, resource):
        """Check a decrypted refund notice before it is recorded (read only).

        :raise ValidationError: incomplete, or of a payment not recorded (yet: WeChat sends
            the notice again later)
        """
        if not resource.get("refund_id") or not resource.get("transaction_id"):
            raise ValidationError(_("Incomplete district refund."))
        amount = resource.get("refund_amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValidationError(_("Incomplete district refund (refund_amount)."))
        payment = self.sudo()._mall_payment_of(provider_sudo, resource)
        if not payment:
            raise ValidationError(_("District refund of an unknown payment."))
        if amount > payment.amount_fen:
            raise ValidationError(_("District refund larger than its payment."))

    @api.model
    def _mall_record(self, notice, resource):
        """Record the refund of a verified notice (once) and take its points back."""
        payment = self._mall_payment_of(notice.provider_id, resource)
        existing = self.search([("payment_id", "=", payment.id), ("refund_id", "=", resource["refund_id"])])
        if existing:
            return existing
        refund = self.create(
            {
                "refund_id": resource["refund_id"],
                "payment_id": payment.id,
                "notice_id": notice.id,
                "refund_fen": resource["refund_amount"],
                "amount": from_fen(resource["refund_amount"]),
                "refunded_at": parse_time(resource.get("refund_time")) or fields.Datetime.now(),
                "state": "nothing",
            }
        )
        refund._mall_claw_back()
        return refund

    def _mall_claw_back(self):
        """Take back the points the refunded part earned (cumulated over the payment's
        refunds, rounded down), as much as the member still has."""
        self.ensure_one()
        payment = self.payment_id
        if self.refunded_at - payment.paid_at > timedelta(days=const.REFUND_WINDOW_DAYS):
            self.state = "late"
            return
        previous = payment.refund_ids - self
        refunded = min(payment.amount_fen, sum(previous.mapped("refund_fen")) + self.refund_fen)
        due = payment.points * refunded // payment.amount_fen - sum(previous.mapped("points_due"))
        if payment.state != "earned" or due <= 0:
            return
        Wallet = self.env["city.points.wallet"].with_company(payment.company_id)
        wallet = Wallet._get_wallets(payment.partner_id, payment.company_id)
        balance = wallet._lock_rows()[wallet.id]
        taken = min(due, balance)
        values = {"points_due": due, "points_taken": taken, "points_short": due - taken}
        values["state"] = "clawed_back" if taken == due else "short"
        if taken:
            earned_domain = [("wallet_id", "=", wallet.id), ("kind", "=", "earn")]
            earned_domain.append(("source_ref", "=", f"{payment._name},{payment.id}"))
            earned = self.env["city.points.ledger"].sudo().search(earned_domain, order="id")
            lines = wallet._take_back_points(
                earned,
                taken,
                f"mall_refund:{payment.provider_id.id}:{self.refund_id}",
                source_ref=f"{self._name},{self.id}",
                note=_("District payment refunded: points taken back"),
            )
            values["ledger_id"] = lines[:1].id
        self.write(values)
