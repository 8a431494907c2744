# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models

from .city_mp_message import thing


class CityCouponIssue(models.Model):
    _inherit = "city.coupon.issue"

    @api.model
    def _city_issue_coupons(self, vals_list):
        """Issue the coupons, then queue a "coupon received" subscribe message per coupon."""
        issues = super()._city_issue_coupons(vals_list)
        for issue in issues:
            data = {
                "thing1": {"value": thing(issue.program_id.name)},
                "thing2": {"value": thing(issue.merchant_id.name)},
                "date3": {"value": fields.Date.to_string(issue.card_id.expiration_date) or "-"},
            }
            self.env["city.mp.message"]._queue(issue.partner_id, "coupon_received", data, f"coupon:{issue.id}")
        return issues
