# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two-level commissions as personal profit-sharing receivers (issue #11, item 4).

A referrer whose openid under the provider's app is known (it paid through the
mini-program: ``payment.transaction.wechatpay_openid``) receives its commission from
the paying merchant's transaction as a ``PERSONAL_OPENID`` receiver (relation
``DISTRIBUTOR``), within the sub-merchant's cap and WeChat's 30 days like every share;
a referrer without one is paid through the operator (the operator receives the
commission and pays it). WeChat returns (回退) shares from merchant receivers only:
when a shared personal commission is refunded, its *clawback* is recorded instead of a
return (``city.settlement.payout`` of kind ``personal_clawback``, never sent), the
merchant's balance covers it in the refund (its payable is credited for it) and the
reversed commission leaves the referrer in debit on ``CITY.COMM``: what it owes, listed
under *WeChat Pay › Commission Clawbacks*.
"""

from odoo import _, api, fields, models

PERSONAL = "openid:"  # receiver key of a personal receiver: PERSONAL + openid


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _wechatpay_personal_openid(self, provider):
        """This member's openid under ``provider``'s app (from its latest payment through
        it), or False: the account of a personal profit-sharing receiver."""
        self.ensure_one()
        if self.is_merchant or self.is_company:
            return False
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.id),
                    ("provider_id", "=", provider.id),
                    ("wechatpay_openid", "!=", False),
                    ("wechatpay_appid", "=", provider.sudo().wechatpay_appid),
                ],
                order="id desc",
                limit=1,
            )
        )
        return tx.wechatpay_openid or False


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _wechatpay_ps_receiver(self, partner):
        """Override: a referrer with a known openid is a personal receiver."""
        openid = partner and partner._wechatpay_personal_openid(self.provider_id)
        return f"{PERSONAL}{openid}" if openid else super()._wechatpay_ps_receiver(partner)

    def _wechatpay_ps_add_personal_receivers(self, receivers):
        """Add the personal receivers among ``receivers`` to this payment's sub-merchant (once each)."""
        self.ensure_one()
        merchant = self._wechatpay_ps_merchant().sudo()
        added = set(filter(None, (merchant.wechatpay_receiver_accounts or "").split(",")))
        for receiver in receivers:
            if not receiver.startswith(PERSONAL) or receiver in added:
                continue
            self.provider_id._wechatpay_call(
                "profitsharing_add_receiver",
                account_type="PERSONAL_OPENID",
                account=receiver[len(PERSONAL) :],
                relation_type="DISTRIBUTOR",
                name=self.env["city.settlement.payout"]._wechatpay_personal_partner(receiver).name,
                sub_mchid=merchant.wechatpay_sub_mchid,
            )
            added.add(receiver)
            merchant.wechatpay_receiver_accounts = ",".join(sorted(added))


class CitySettlementPayout(models.Model):
    _inherit = "city.settlement.payout"

    wechatpay_kind = fields.Selection(
        selection_add=[("personal_clawback", "Clawback from a Personal Receiver")],
        ondelete={"personal_clawback": "cascade"},
    )
    wechatpay_referrer_id = fields.Many2one(
        "res.partner", string="Referrer", readonly=True, ondelete="restrict", index="btree_not_null"
    )

    @api.model
    def _wechatpay_personal_partner(self, receiver):
        """The member a personal receiver key stands for."""
        openid = receiver[len(PERSONAL) :]
        tx = (
            self.env["payment.transaction"].sudo().search([("wechatpay_openid", "=", openid)], order="id desc", limit=1)
        )
        return tx.partner_id

    def _wechatpay_shared_sign(self):
        """Override: a personal clawback counts as given back (it is never sent)."""
        if self.wechatpay_kind == "personal_clawback":
            return -1
        return super()._wechatpay_shared_sign()

    @api.model
    def _wechatpay_create_share(self, tx, owed, final):
        """Override: personal receivers are added before the share is sent."""
        tx._wechatpay_ps_add_personal_receivers(owed)
        return super()._wechatpay_create_share(tx, owed, final)

    @api.model
    def _wechatpay_create_returns(self, tx, amounts):
        """Override: what a personal receiver got cannot be returned (回退): its clawback is recorded."""
        personal = {r: fen for r, fen in amounts.items() if r.startswith(PERSONAL) and fen > 0}
        payouts = super()._wechatpay_create_returns(tx, {r: f for r, f in amounts.items() if r not in personal})
        count = len(tx._wechatpay_ps_live_payouts().filtered(lambda p: p.wechatpay_kind == "personal_clawback"))
        for receiver, fen in sorted(personal.items()):
            count += 1
            payout = self.create(
                self._wechatpay_base_vals(
                    tx,
                    "personal_clawback",
                    f"{tx.reference}-P{count:02d}",
                    {receiver: fen},
                    wechatpay_referrer_id=self._wechatpay_personal_partner(receiver).id,
                )
            )
            payout._city_set_state("done")
            payouts |= payout
        return payouts

    def _wechatpay_request(self):
        """Override: personal receivers are sent as ``PERSONAL_OPENID``."""
        method, kwargs = super()._wechatpay_request()
        for receiver in kwargs.get("receivers") or []:
            if receiver["account"].startswith(PERSONAL):
                receiver.update(
                    type="PERSONAL_OPENID",
                    account=receiver["account"][len(PERSONAL) :],
                    description=_("Commission %s", self.transaction_id.reference)[:80],
                )
        return method, kwargs

    def _wechatpay_receiver_account(self, receiver, payable, operator_account):
        """Override: a personal receiver's share pays its commission (``CITY.COMM``)."""
        if receiver.startswith(PERSONAL):
            accounts = self.company_id._city_get_accounts()
            return accounts["city_commission_account_id"], self._wechatpay_personal_partner(receiver)
        return super()._wechatpay_receiver_account(receiver, payable, operator_account)

    def _wechatpay_move_lines(self):
        """Override: a personal clawback moves no money (the reversed commission and the
        merchant's refund from its balance are booked by the refund)."""
        if self.wechatpay_kind == "personal_clawback":
            return []
        return super()._wechatpay_move_lines()

    def _wechatpay_bill_lines(self):
        """Override: a personal clawback is not on WeChat Pay's profit-sharing bill."""
        if self.wechatpay_kind == "personal_clawback":
            return []
        return [
            line._replace(receiver=line.receiver[len(PERSONAL) :]) if line.receiver.startswith(PERSONAL) else line
            for line in super()._wechatpay_bill_lines()
        ]
