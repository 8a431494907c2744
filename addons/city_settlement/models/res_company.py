# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, _lt, fields, models

# Accounts the settlement books on, created per company when missing, whatever
# chart of accounts the company uses: field -> (code, name, account type, reconcile).
CITY_ACCOUNTS = {
    "city_escrow_account_id": ("CITY.ESCROW", _lt("Escrow of prepaid services"), "liability_current", False),
    "city_merchant_payable_account_id": ("CITY.MPAY", _lt("Merchant payables"), "liability_payable", True),
    "city_platform_income_account_id": ("CITY.FEE", _lt("Platform service fee income"), "income", False),
    "city_channel_fee_account_id": ("CITY.CHFEE", _lt("Payment channel fees"), "expense", False),
    "city_commission_account_id": ("CITY.COMM", _lt("Distribution commissions payable"), "liability_payable", True),
    "city_refund_account_id": ("CITY.REFUND", _lt("Refunds due to members"), "liability_current", True),
    "city_points_account_id": ("CITY.POINTS", _lt("Points liability"), "liability_current", False),
    "city_forfeit_account_id": ("CITY.EXPIRED", _lt("Income from expired prepaid services"), "income_other", False),
    "city_coupon_clearing_account_id": (
        "CITY.COUPON",
        _lt("Coupon clearing between merchants"),
        "liability_current",
        False,
    ),
    "city_coupon_expense_account_id": ("CITY.COUPONEXP", _lt("Coupons funded by the platform"), "expense", False),
}


class ResCompany(models.Model):
    _inherit = "res.company"

    city_escrow_account_id = fields.Many2one("account.account", string="Escrow Account", ondelete="restrict")
    city_merchant_payable_account_id = fields.Many2one(
        "account.account", string="Merchant Payable Account", ondelete="restrict"
    )
    city_platform_income_account_id = fields.Many2one(
        "account.account", string="Platform Fee Income Account", ondelete="restrict"
    )
    city_channel_fee_account_id = fields.Many2one("account.account", string="Channel Fee Account", ondelete="restrict")
    city_commission_account_id = fields.Many2one(
        "account.account", string="Commission Payable Account", ondelete="restrict"
    )
    city_refund_account_id = fields.Many2one("account.account", string="Refund Payable Account", ondelete="restrict")
    city_points_account_id = fields.Many2one("account.account", string="Points Liability Account", ondelete="restrict")
    city_forfeit_account_id = fields.Many2one(
        "account.account", string="Expired Services Income Account", ondelete="restrict"
    )
    city_coupon_clearing_account_id = fields.Many2one(
        "account.account", string="Coupon Clearing Account", ondelete="restrict"
    )
    city_coupon_expense_account_id = fields.Many2one(
        "account.account", string="Platform Coupon Cost Account", ondelete="restrict"
    )
    city_settlement_journal_id = fields.Many2one("account.journal", string="Settlement Journal", ondelete="restrict")

    def _city_get_accounts(self):
        """The settlement accounts and journal of this company, created when missing.

        Chart-of-accounts independent: the accounts get their own codes (``CITY.*``)
        and are remembered on the company, so any chart (or none) works.

        :return: dict field name -> record (accounts and ``city_settlement_journal_id``)
        """
        self.ensure_one()
        company_sudo = self.sudo()  # the setup creates accounts whoever triggers the first booking
        specs = self._city_get_account_specs()
        missing = {}
        for fname, (code, name, account_type, reconcile) in specs.items():
            if company_sudo[fname]:
                continue
            Account = self.env["account.account"].sudo().with_company(company_sudo)
            account = Account.search([("code", "=", code), ("company_ids", "in", company_sudo.id)], limit=1)
            if not account:
                account = Account.create(
                    {
                        "code": code,
                        "name": str(name),
                        "account_type": account_type,
                        "reconcile": reconcile,
                        "company_ids": [fields.Command.set(company_sudo.ids)],
                    }
                )
            missing[fname] = account.id
        if not company_sudo.city_settlement_journal_id:
            journal = (
                self.env["account.journal"]
                .sudo()
                .search([("code", "=", "CITYS"), ("company_id", "=", company_sudo.id)], limit=1)
            )
            if not journal:
                journal = (
                    self.env["account.journal"]
                    .sudo()
                    .create(
                        {
                            "name": _("City Settlement"),
                            "code": "CITYS",
                            "type": "general",
                            "company_id": company_sudo.id,
                            "show_on_dashboard": False,
                        }
                    )
                )
            missing["city_settlement_journal_id"] = journal.id
        if missing:
            company_sudo.write(missing)
        return {fname: company_sudo[fname] for fname in (*specs, "city_settlement_journal_id")}

    def _city_get_account_specs(self):
        """The accounts ``_city_get_accounts`` creates (hook: a module adds its own,
        company field -> (code, name, account type, reconcile))."""
        return dict(CITY_ACCOUNTS)
