# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CityPointsTier(models.Model):
    """A member tier (普通/银卡/金卡/黑金) reached by rolling spend."""

    _name = "city.points.tier"
    _description = "Member Tier"
    _order = "min_spend, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    min_spend = fields.Monetary(
        string="Rolling Spend From",
        help="Spend over the company's tier window (default 30 days) that reaches this tier.",
    )
    multiplier = fields.Float(default=1.0, help="Purchase points are multiplied by this factor.")
    birthday_points = fields.Integer(
        string="Birthday Gift (points)", help="Points given on the member's birthday while in this tier."
    )
    benefits = fields.Text(translate=True)
    color = fields.Integer()

    _sql_constraints = [
        ("multiplier_positive", "CHECK(multiplier > 0)", "The multiplier must be positive."),
        ("min_spend_positive", "CHECK(min_spend >= 0)", "The spend threshold cannot be negative."),
        ("birthday_points_positive", "CHECK(birthday_points >= 0)", "Birthday points cannot be negative."),
    ]

    def _for_spend(self, company, spend):
        """The highest active tier of ``company`` whose threshold ``spend`` reaches."""
        tiers = self.search([("company_id", "=", company.id)], order="min_spend desc, id desc")
        return next((tier for tier in tiers if spend >= tier.min_spend), self.browse())

    @api.model
    def _assign_wallets(self, wallets, stamp=False):
        """Recompute the rolling spend and the tier of ``wallets`` (any companies).

        One read of the members' spend per company and one UPDATE of the changed
        wallets: every purchase batch recomputes its members' tiers.

        :param stamp: also set the tier date of unchanged wallets (the tier cron's
            progress: each run takes the wallets not recomputed since it started).
        """
        Spend = self.env["city.member.spend"].sudo()
        now = fields.Datetime.now()
        for company, company_wallets in wallets.grouped("company_id").items():
            since = now - timedelta(days=company.city_points_tier_days)
            spends = dict(
                Spend._read_group(
                    [
                        ("partner_id", "in", company_wallets.partner_id.ids),
                        ("company_id", "=", company.id),
                        ("day", ">=", since.date()),
                    ],
                    ["partner_id"],
                    ["amount_fen:sum"],
                )
            )
            tiers = self.sudo().search([("company_id", "=", company.id)], order="min_spend desc, id desc")
            changes = []
            for wallet in company_wallets:
                spend = spends.get(wallet.partner_id, 0) / 100.0
                tier = next((t for t in tiers if spend >= t.min_spend), self.browse())
                if stamp or wallet.tier_id != tier or wallet.currency_id.compare_amounts(wallet.rolling_spend, spend):
                    changes.append(SQL("(%s, %s, %s)", wallet.id, tier.id or None, spend))
            if changes:
                company_wallets.flush_model(["tier_id", "rolling_spend", "tier_date"])
                self.env.cr.execute(
                    SQL(
                        """UPDATE city_points_wallet AS w
                              SET tier_id = v.tier_id::int, rolling_spend = v.spend::numeric, tier_date = %s
                             FROM (VALUES %s) AS v(id, tier_id, spend) WHERE w.id = v.id""",
                        now,
                        SQL(", ").join(changes),
                    )
                )
                company_wallets.invalidate_recordset(["tier_id", "rolling_spend", "tier_date"])
