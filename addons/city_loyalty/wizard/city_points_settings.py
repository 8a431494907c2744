# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import AccessError

SETTING_FIELDS = (
    "city_points_issue_fen",
    "city_points_clearing_fen",
    "city_points_validity_days",
    "city_points_notice_days",
    "city_points_tier_days",
    "city_points_velocity_max",
    "city_points_merchant_max_per_yuan",
)


class CityPointsSettings(models.TransientModel):
    """Operator form for the company's points settings (rates, validity, anti-abuse).

    The values live on ``res.company`` (read there by the wallet and the points
    money booking); only administrators may write a company, so this form, open to
    operators (access rights), writes them for the current company. The company's
    constraints validate them.
    """

    _name = "city.points.settings"
    _description = "Points Settings"

    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    city_points_issue_fen = fields.Float(
        string="Points Funding (fen per point)",
        help="What the issuing merchant funds for each point it issues, in fen (1 = ¥0.01 per point).",
    )
    city_points_clearing_fen = fields.Float(
        string="Points Clearing Rate (fen per point)",
        help="What a merchant accepting points is reimbursed for each point, in fen.",
    )
    city_points_validity_days = fields.Integer(string="Points Validity (days)")
    city_points_notice_days = fields.Integer(
        string="Expiry Notice (days ahead)", help="Members are notified this many days before points expire."
    )
    city_points_tier_days = fields.Integer(string="Tier Spend Window (days)")
    city_points_velocity_max = fields.Integer(
        string="Velocity Limit (earnings per hour)",
        help="More earnings than this for one member within an hour are refused and the wallet is flagged.",
    )
    city_points_merchant_max_per_yuan = fields.Float(
        string="Merchant Rule Limit (points per yuan)",
        help="The most points per yuan a merchant manager may offer in their own rules.",
    )

    @api.model
    def default_get(self, fields_list):
        # The company's points settings are for those who may change them (RPC reaches this).
        self.check_access("create")
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        for name in SETTING_FIELDS:
            if name in fields_list and name not in values:
                values[name] = company[name]
        return values

    def action_save(self):
        """Write the settings on the company (validated by its constraints)."""
        if not self.env.user.has_group("city_base.group_operator"):
            raise AccessError(self.env._("Only platform operators can change the points settings."))
        self.ensure_one()
        # sudo: operators may not write res.company; only these points fields are written, checked above.
        self.company_id.sudo().write({name: self[name] for name in SETTING_FIELDS})
        return {"type": "ir.actions.act_window_close"}
