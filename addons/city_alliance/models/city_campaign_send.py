# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityCampaignSend(models.Model):
    """One member targeted by one wave of a campaign (append-only log, lean).

    A member of the campaign's holdout group gets a row too (``holdout``), with no
    coupon: it is what the campaign's lift is measured against. The outcome
    follows the coupon (issued = sent, claimed, used, expired); ``revenue_amount``
    and ``converted`` are measured by :meth:`city.campaign._city_measure` from the
    member's paid orders at the campaign's merchant within its measuring window.
    """

    _name = "city.campaign.send"
    _description = "Campaign Send"
    _order = "id desc"
    _check_company_auto = True

    campaign_id = fields.Many2one("city.campaign", required=True, index=True, readonly=True, ondelete="cascade")
    merchant_id = fields.Many2one(related="campaign_id.merchant_id", store=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Member", required=True, index=True, readonly=True)
    wave = fields.Char(required=True, readonly=True, help="The run of the campaign that targeted the member.")
    send_date = fields.Datetime(string="Sent", required=True, readonly=True)
    holdout = fields.Boolean(readonly=True, help="In the holdout group: targeted, but sent nothing.")
    issue_id = fields.Many2one("city.coupon.issue", string="Coupon", readonly=True, ondelete="set null")
    outcome = fields.Selection(related="issue_id.state", store=True, string="Outcome")
    cost_amount = fields.Monetary(
        related="issue_id.discount_amount", store=True, string="Cost", help="The discount of the coupon, once used."
    )
    coupon_revenue = fields.Monetary(
        related="issue_id.revenue_amount",
        store=True,
        string="Coupon Revenue",
        help="What the member paid on the order using the coupon.",
    )
    revenue_amount = fields.Monetary(
        string="Revenue", readonly=True, help="The member's paid orders at the merchant in the measuring window."
    )
    converted = fields.Boolean(readonly=True, help="The member paid at the merchant in the measuring window.")

    _sql_constraints = [
        ("wave_uniq", "UNIQUE(campaign_id, partner_id, wave)", "A member is targeted once per wave of a campaign."),
    ]
