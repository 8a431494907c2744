# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

DEFAULT_WINDOW_DAYS = 30


class CityAllianceAttribution(models.Model):
    """A new customer of merchant B brought by partner A (an alliance coupon or a
    recommendation): the member's first purchase at B within the window after it."""

    _name = "city.alliance.attribution"
    _inherit = ["city.merchant.mixin"]
    _description = "New Customer Attribution"
    _order = "id desc"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Member", required=True, index=True, ondelete="restrict")
    merchant_id = fields.Many2one(string="New Customer Of")
    source_merchant_id = fields.Many2one(
        "res.partner",
        string="Brought by",
        index="btree_not_null",
        ondelete="restrict",
        help="The partner merchant where the member got the coupon; empty for a campaign's own coupon.",
    )
    campaign_id = fields.Many2one("city.campaign", index="btree_not_null", ondelete="set null")
    trigger_id = fields.Many2one("city.alliance.trigger", index="btree_not_null", ondelete="set null")
    alliance_id = fields.Many2one("city.alliance", index="btree_not_null", ondelete="set null")
    coupon_issue_id = fields.Many2one("city.coupon.issue", string="Coupon", ondelete="set null")
    channel = fields.Selection(
        [("coupon", "Alliance Coupon"), ("recommendation", "Recommendation"), ("campaign", "Campaign")],
        default="coupon",
        required=True,
    )
    order_id = fields.Many2one("sale.order", string="First Order", ondelete="set null")
    date = fields.Datetime(required=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    revenue_amount = fields.Monetary(string="First Order Revenue")

    _sql_constraints = [
        ("member_merchant_uniq", "UNIQUE(partner_id, merchant_id)", "A customer is new to a merchant once."),
    ]

    @api.model
    def _city_is_new_customer(self, partner, merchant, order):
        """No earlier paid order of ``partner`` at ``merchant`` than ``order``."""
        self.env["city.escrow"].flush_model(["partner_id", "merchant_id", "order_id", "paid_date"])
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM city_escrow WHERE partner_id = %s AND merchant_id = %s AND order_id != %s"
                " AND paid_date <= %s LIMIT 1",
                partner.id,
                merchant.id,
                order.id,
                order.city_paid_date,
            )
        )
        return not self.env.cr.fetchone()

    @api.model
    def _city_attribution_candidates(self, partner, merchant, at, order=None):
        """What brought ``partner`` to ``merchant`` before ``at``: ``[vals]`` best first.

        The coupon used on the order first, else the latest alliance coupon of
        ``merchant`` issued elsewhere within its trigger's window, or campaign coupon
        of ``merchant`` within its campaign's window. A hook:
        recommendations and campaigns add their own candidates.
        """
        Issue = self.env["city.coupon.issue"].sudo()
        issues = Issue.search(
            [
                ("partner_id", "=", partner.id),
                ("merchant_id", "=", merchant.id),
                "|",
                ("campaign_id", "!=", False),
                "&",
                ("source_merchant_id", "!=", False),
                ("source_merchant_id", "!=", merchant.id),
                ("create_date", "<=", at),
                ("create_date", ">=", at - timedelta(days=365)),
            ],
            order="id desc",
            limit=50,
        )
        if order:
            used = issues.filtered(lambda i: i.used_order_id == order)
            issues = used + (issues - used)
        candidates = []
        for issue in issues:
            origin = issue.trigger_id or issue.campaign_id
            window = origin.attribution_days if origin else DEFAULT_WINDOW_DAYS
            if issue.create_date < at - timedelta(days=window):
                continue
            candidates.append(
                {
                    "source_merchant_id": issue.source_merchant_id.id or False,
                    "trigger_id": issue.trigger_id.id or False,
                    "campaign_id": issue.campaign_id.id or False,
                    "alliance_id": issue.alliance_id.id or False,
                    "coupon_issue_id": issue.id,
                    "channel": "campaign" if issue.campaign_id else "coupon",
                }
            )
        return candidates

    @api.model
    def _city_attribute_order(self, order, merchant=None):
        """Attribute the paid ``order``'s member as a new customer of each merchant of the
        order (or of ``merchant``) that something in the window brought there."""
        partner = order.partner_id
        escrows = order.sudo().city_escrow_ids
        merchants = merchant or escrows.merchant_id
        created = self.browse()
        for shop in merchants:
            if self.sudo().search_count([("partner_id", "=", partner.id), ("merchant_id", "=", shop.id)], limit=1):
                continue
            if not self._city_is_new_customer(partner, shop, order):
                continue
            candidates = self._city_attribution_candidates(partner, shop, order.city_paid_date, order=order)
            if not candidates:
                continue
            revenue = sum(escrows.filtered(lambda e, s=shop: e.merchant_id == s).mapped("amount_paid"))
            created |= self.sudo().create(
                {
                    **candidates[0],
                    "partner_id": partner.id,
                    "merchant_id": shop.id,
                    "order_id": order.id,
                    "date": order.city_paid_date,
                    "company_id": order.company_id.id,
                    "revenue_amount": revenue,
                }
            )
        return created

    @api.model
    def _city_cross_customer_counts(self, company=None):
        """New customers per (bringing merchant, new merchant) pair: ``{(a_id, b_id): count}``."""
        company = company or self.env.company
        groups = self.sudo()._read_group(
            [("company_id", "=", company.id)], ["source_merchant_id", "merchant_id"], ["__count"]
        )
        return {(a.id, b.id): count for a, b, count in groups}
