# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Money between parties in service-provider mode (issue #11, item 4).

In service-provider mode a merchant's sales money never passes through the operator:
it lands frozen in the merchant's sub-account and profit sharing takes the receivers'
parts out of each paid transaction. Money that moves between merchants, members and
the operator for other reasons takes one of two roads (``PARTNER_ROUTES``):

- ``share``: a profit-sharing receiver on the paying merchant's transaction (within
  the sub-merchant's cap, before WeChat's 30-day unfreeze). Two-level distribution
  commissions: the referrer is a personal receiver (``PERSONAL_OPENID``) when its
  openid is known, else the operator receives the commission and pays the referrer
  itself. A personal receiver's share cannot be returned (回退 takes money back from
  merchant receivers only): when a shared commission is refunded, its clawback is
  booked (role ``commission``, the referrer owes it: ``city.wechatpay.clawback``).
- ``outside``: settled outside WeChat Pay, by an invoice between the merchant and the
  operator: points funding (the issuing merchant) and points clearing (the accepting
  merchant), alliance coupon funding (funders) and reimbursement (the accepting
  merchant), the platform's coupon subsidy. These lines are booked on
  ``CITY.WXOUT`` (not the merchant payable that profit sharing pays out), kept out of
  the merchant's profit-sharing statement, and invoiced per merchant by
  ``_wechatpay_invoice_outside`` (a customer invoice when the merchant owes the net,
  a vendor bill when the operator does).

Why not all through WeChat: profit sharing only takes money *out of* a payment to the
sub-merchant that was paid; points are booked per wallet posting (not per payment)
and taken back on refunds, coupons are funded by merchants whose payment is not the
one discounted, and the operator cannot send money into a sub-merchant's account.
"""

from odoo import _, _lt, api, fields, models
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import from_fen, to_fen
from odoo.addons.city_base.tools.localdate import local_today

# role -> road in service-provider mode (roles not listed move no money between parties:
# the merchant's own part, points expiry, refunds and expiry to income). The channel fee
# is taken out of the paying merchant's transaction too, but by WeChat Pay before sharing:
# no receiver's share (``payment_transaction_profit_sharing.NOT_SHARED_ROLES``).
PARTNER_ROUTES = {
    "platform_fee": "share",
    "channel_fee": "share",
    "commission": "share",
    "franchise": "share",
    "points_issue": "outside",
    "points_redeem": "outside",
    "coupon_reimburse": "outside",
    "coupon_funding": "outside",
    "coupon_platform": "outside",
}
OUTSIDE_ROLES = tuple(role for role, road in PARTNER_ROUTES.items() if road == "outside")

OUTSIDE_ACCOUNT = {
    "city_wechatpay_outside_account_id": (
        "CITY.WXOUT",
        _lt("Merchant balances settled outside WeChat Pay (invoiced)"),
        "liability_current",
        False,
    ),
}


class ResCompany(models.Model):
    _inherit = "res.company"

    city_wechatpay_outside_account_id = fields.Many2one(
        "account.account", string="Settled outside WeChat Pay Account", ondelete="restrict"
    )

    def _city_get_account_specs(self):
        """Override of `city_settlement`: the account of what is invoiced outside WeChat Pay."""
        return {**super()._city_get_account_specs(), **OUTSIDE_ACCOUNT}


class CitySettlementAllocation(models.Model):
    _inherit = "city.settlement.allocation"

    wechatpay_route = fields.Selection(
        [("share", "Profit Sharing"), ("outside", "Invoice (outside WeChat Pay)")],
        string="Settled Through",
        readonly=True,
        index="btree_not_null",
        help="Service-provider mode: how this money reaches its beneficiary (see the WeChat Pay module's README).",
    )
    wechatpay_invoice_id = fields.Many2one(
        "account.move", string="Settled by Invoice", readonly=True, ondelete="restrict", index="btree_not_null"
    )

    @api.model
    def _create_batch(self, vals_list):
        """Override of `city_settlement`: the lines of a sub-merchant (service-provider
        mode) get their road; those settled outside WeChat Pay book on ``CITY.WXOUT``."""
        merchants = self.env["res.partner"].sudo().browse({vals.get("merchant_id") for vals in vals_list} - {None})
        partner_ids = set(merchants.filtered("wechatpay_sub_mchid").ids)
        accounts = {}
        for vals in vals_list:
            road = PARTNER_ROUTES.get(vals["role"]) if vals.get("merchant_id") in partner_ids else None
            if not road:
                continue
            vals["wechatpay_route"] = road
            if road == "outside":
                company = vals["company_id"]
                if company not in accounts:
                    accounts[company] = self.env["res.company"].browse(company)._city_get_accounts()
                vals["account_id"] = accounts[company]["city_wechatpay_outside_account_id"].id
        return super()._create_batch(vals_list)

    # ------------------------------------------------------------
    # BUSINESS: invoices for what is settled outside WeChat Pay
    # ------------------------------------------------------------

    @api.model
    def _wechatpay_invoice_outside(self, company=None, merchants=None, date_to=None):
        """Invoice each merchant for its posted lines settled outside WeChat Pay (not yet
        invoiced), one invoice per merchant: a customer invoice when the merchant owes the
        net (coupons it funds, points it issues), a vendor bill when the operator does
        (coupons and points it accepted). Idempotent: a line is invoiced once (its row is
        locked, then linked to the invoice).

        :return: the posted invoices
        """
        company = company or self.env.company
        date_to = date_to or local_today()
        self_sudo = self.sudo().with_company(company)  # the run books in ``company``, whoever runs it
        domain = [
            ("company_id", "=", company.id),
            ("wechatpay_route", "=", "outside"),
            ("wechatpay_invoice_id", "=", False),
            ("move_id", "!=", False),
            ("date", "<=", date_to),
        ]
        if merchants is not None:
            domain.append(("merchant_id", "in", merchants.ids))
        lines = self_sudo.search(domain, order="merchant_id, id")
        if not lines:
            return self.env["account.move"]
        self.env.cr.execute(
            SQL(
                "SELECT id FROM city_settlement_allocation WHERE id IN %s AND wechatpay_invoice_id IS NULL"
                " ORDER BY id FOR UPDATE",
                tuple(lines.ids),
            )
        )
        lines = lines.browse([row[0] for row in self.env.cr.fetchall()])
        invoices = self.env["account.move"]
        for merchant in lines.merchant_id:
            invoices |= lines.filtered(lambda ln, m=merchant: ln.merchant_id == m)._wechatpay_invoice(merchant)
        return invoices

    def _wechatpay_invoice(self, merchant):
        """One posted invoice of ``merchant`` for these lines (its own, not yet invoiced)."""
        by_role = {}
        for line in self:
            by_role[line.role] = by_role.get(line.role, 0) + to_fen(line.amount)
        net = sum(by_role.values())  # in the merchant's favour
        company = self.company_id
        move_type = "in_invoice" if net > 0 else "out_invoice"
        sign = 1 if net > 0 else -1
        roles = dict(self._fields["role"]._description_selection(self.env))
        account = self[:1].account_id
        invoice = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": merchant.id,
                    "company_id": company.id,
                    "invoice_date": local_today(),
                    "ref": _("Settled outside WeChat Pay: points and coupons"),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "name": _(
                                    "%(role)s (%(count)s lines)",
                                    role=roles[role],
                                    count=len(self.filtered(lambda ln, r=role: ln.role == r)),
                                ),
                                "account_id": account.id,
                                "quantity": 1,
                                "price_unit": float(from_fen(sign * fen)),
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                        for role, fen in sorted(by_role.items())
                        if fen
                    ],
                }
            )
        )
        invoice.action_post()
        self.with_context(city_settlement_allow_write=True).write({"wechatpay_invoice_id": invoice.id})
        return invoice


class CitySettlement(models.Model):
    _inherit = "city.settlement"

    @api.model
    def _city_settle_line_filter(self):
        """Override of `city_settlement`: lines settled outside WeChat Pay are invoiced, not
        on the profit-sharing statement."""
        return SQL("%s AND wechatpay_route IS DISTINCT FROM 'outside'", super()._city_settle_line_filter())
