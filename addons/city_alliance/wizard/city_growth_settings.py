# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models

from odoo.addons.city_base.tools import access

from ..models.city_campaign import FREQUENCY_CAP_PARAM
from ..models.city_recommendation_link import DEFAULTS, PARAM_PREFIX

FIELD_PARAMS = {
    **{f"recommendation_{key}": PARAM_PREFIX + key for key in DEFAULTS},
    "campaign_weekly_cap": FREQUENCY_CAP_PARAM,
}


class CityGrowthSettings(models.TransientModel):
    """The Operator's marketing settings (营销设置): recommendation parameters and the
    campaigns' weekly frequency cap.

    Stored as system parameters (``ir.config_parameter``, which only administrators
    may write): this form lets Operators edit these keys alone, after its group check.
    """

    _name = "city.growth.settings"
    _description = "Marketing Settings"

    recommendation_window_hours = fields.Integer(
        string="Window (hours)", help="A visit to B counts after a visit to A within this many hours."
    )
    recommendation_lookback_days = fields.Integer(string="Learn From (days)", help="Behaviour of the last N days.")
    recommendation_min_support = fields.Integer(
        string="Minimum Support", help="Members doing A then B, at least, for a link to be kept."
    )
    recommendation_decay_m = fields.Integer(string="Distance Decay (m)", help="Score × exp(−distance ÷ this).")
    recommendation_max_distance_m = fields.Integer(
        string="Maximum Distance (m)", help="Merchants farther from the member are never recommended."
    )
    campaign_weekly_cap = fields.Integer(
        string="Campaign Coupons per Member and Week", help="Across all campaigns; 0: no limit."
    )

    _sql_constraints = [
        (
            "positive",
            "CHECK(recommendation_window_hours > 0 AND recommendation_lookback_days > 0"
            " AND recommendation_min_support > 0 AND recommendation_decay_m > 0"
            " AND recommendation_max_distance_m > 0 AND campaign_weekly_cap >= 0)",
            "The recommendation parameters must be positive, the weekly cap zero or more.",
        ),
    ]

    @api.model
    def default_get(self, fields_list):
        access.check_groups(self.env, access.OPERATOR)
        values = super().default_get(fields_list)
        Link = self.env["city.recommendation.link"]
        Param = self.env["ir.config_parameter"].sudo()  # reading the suite's own keys for an Operator
        for field, key in FIELD_PARAMS.items():
            if field in fields_list:
                if field.startswith("recommendation_"):
                    values[field] = Link._city_param(field.removeprefix("recommendation_"))
                else:
                    values[field] = int(Param.get_param(key, 0) or 0)
        return values

    @api.model_create_multi
    def create(self, vals_list):
        access.check_groups(self.env, access.OPERATOR)
        return super().create(vals_list)

    def action_save(self):
        """Operator: write the settings."""
        access.check_groups(self.env, access.OPERATOR)
        self.ensure_one()
        Param = self.env["ir.config_parameter"].sudo()  # only the keys of this form, after the group check
        for field, key in FIELD_PARAMS.items():
            Param.set_param(key, str(self[field]))
        return {"type": "ir.actions.client", "tag": "soft_reload"}
