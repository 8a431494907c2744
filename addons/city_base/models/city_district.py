# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import math

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import access

EARTH_RADIUS_M = 6371008.8


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres between two WGS-84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class CityDistrict(models.Model):
    """A business district (商圈): a centre point, a radius and its merchants."""

    _name = "city.district"
    _description = "Business District"
    _inherit = ["mail.thread"]
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    city = fields.Char()
    description = fields.Text(translate=True)
    latitude = fields.Float(string="Centre Latitude", digits=(10, 7), required=True, tracking=True)
    longitude = fields.Float(string="Centre Longitude", digits=(10, 7), required=True, tracking=True)
    radius_m = fields.Integer(string="Radius (m)", required=True, default=1000, tracking=True)
    merchant_ids = fields.One2many(
        "res.partner", "district_id", string="Merchants", domain=[("is_merchant", "=", True)]
    )
    merchant_count = fields.Integer(compute="_compute_merchant_count")

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The district code must be unique."),
        ("radius_positive", "CHECK(radius_m > 0)", "The radius of a district must be positive."),
        ("latitude_range", "CHECK(latitude BETWEEN -90 AND 90)", "Latitude must be between -90 and 90."),
        (
            "longitude_range",
            "CHECK(longitude BETWEEN -180 AND 180)",
            "Longitude must be between -180 and 180.",
        ),
    ]

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    def _compute_merchant_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("district_id", "in", self.ids), ("is_merchant", "=", True)],
                ["district_id"],
                ["__count"],
            )
        )
        for district in self:
            district.merchant_count = counts.get(district, 0)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("latitude", "longitude")
    def _check_centre(self):
        for district in self:
            if not district.latitude and not district.longitude:
                raise ValidationError(_("Set the centre point of district %s.", district.name))

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _distance_m(self, latitude, longitude):
        """Distance in metres from the district's centre to a point."""
        self.ensure_one()
        return haversine_m(self.latitude, self.longitude, latitude, longitude)

    def _contains_point(self, latitude, longitude):
        """True if the point lies within the district's radius."""
        self.ensure_one()
        return self._distance_m(latitude, longitude) <= self.radius_m

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_merchants(self):
        access.check_groups(self.env, *access.PLATFORM)
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("city_base.res_partner_action_merchant")
        action["domain"] = [("district_id", "=", self.id)]
        action["context"] = {"default_district_id": self.id, "default_is_merchant": True}
        return action
