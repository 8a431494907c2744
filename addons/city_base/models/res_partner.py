# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import math

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import access
from .city_district import haversine_m
from .city_merchant_hours import format_hour

DEFAULT_TZ = "Asia/Shanghai"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    is_merchant = fields.Boolean(
        string="Is a Merchant", index=True, tracking=True, help="This partner sells through the district platform."
    )
    is_member = fields.Boolean(
        string="Is a Member", index=True, help="A customer of the district who uses the mini-program."
    )
    member_since = fields.Date()
    city_last_activity = fields.Datetime(
        string="Last Activity",
        readonly=True,
        copy=False,
        help='The member\'s latest behaviour event in the mini-program: what "inactive for N days" counts from.',
    )
    merchant_code = fields.Char(copy=False, index="btree_not_null", tracking=True)
    merchant_category_id = fields.Many2one(
        "city.merchant.category", string="Business Category", ondelete="restrict", index="btree_not_null", tracking=True
    )
    district_id = fields.Many2one("city.district", ondelete="restrict", index="btree_not_null", tracking=True)
    merchant_contact_name = fields.Char(string="Contact Person", tracking=True)
    merchant_intro = fields.Text(string="Introduction")
    opening_hours_ids = fields.One2many("city.merchant.hours", "merchant_id")
    opening_hours_summary = fields.Char(compute="_compute_opening_hours_summary")
    settlement_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Settlement Bank Account",
        ondelete="restrict",
        domain="[('partner_id', '=', id)]",
        tracking=True,
        help="Account the platform pays this merchant's settlements to. Only operators can change it.",
    )
    merchant_user_ids = fields.One2many("res.users", "merchant_id", string="Merchant Users")
    merchant_user_count = fields.Integer(compute="_compute_merchant_user_count")
    district_distance_m = fields.Integer(
        string="Distance to District Centre (m)", compute="_compute_district_distance_m"
    )
    outside_district = fields.Boolean(compute="_compute_district_distance_m")
    city_user_is_operator = fields.Boolean(compute="_compute_city_user_rights")
    city_user_can_edit_profile = fields.Boolean(compute="_compute_city_user_rights")

    _sql_constraints = [
        ("merchant_code_uniq", "unique(merchant_code)", "The merchant code must be unique."),
    ]

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("opening_hours_ids.dayofweek", "opening_hours_ids.hour_from", "opening_hours_ids.hour_to")
    @api.depends_context("lang")
    def _compute_opening_hours_summary(self):
        days = dict(self.env["city.merchant.hours"]._fields["dayofweek"]._description_selection(self.env))
        for partner in self:
            by_hours = {}
            for period in partner.opening_hours_ids.sorted(lambda p: (p.dayofweek, p.hour_from)):
                by_hours.setdefault(period.dayofweek, []).append(
                    "%s–%s" % (format_hour(period.hour_from), format_hour(period.hour_to))
                )
            # Consecutive days with the same periods are shown as one range.
            groups = []
            for day in sorted(by_hours):
                periods = ", ".join(by_hours[day])
                if groups and groups[-1][2] == periods and int(groups[-1][1]) + 1 == int(day):
                    groups[-1][1] = day
                else:
                    groups.append([day, day, periods])
            parts = []
            for first, last, periods in groups:
                if first == last:
                    label = days[first]
                else:
                    label = _("%(first)s–%(last)s", first=days[first], last=days[last])
                parts.append("%s %s" % (label, periods))
            partner.opening_hours_summary = "; ".join(parts)

    @api.depends_context("uid")
    def _compute_city_user_rights(self):
        user = self.env.user
        is_operator = user.has_group("city_base.group_operator")
        is_manager = user.has_group("city_base.group_merchant_manager")
        for partner in self:
            partner.city_user_is_operator = is_operator
            partner.city_user_can_edit_profile = is_operator or (
                is_manager and partner.commercial_partner_id == user.merchant_id
            )

    def _compute_merchant_user_count(self):
        counts = dict(
            self.env["res.users"]._read_group([("merchant_id", "in", self.ids)], ["merchant_id"], ["__count"])
        )
        for partner in self:
            partner.merchant_user_count = counts.get(partner, 0)

    @api.depends("district_id", "partner_latitude", "partner_longitude")
    def _compute_district_distance_m(self):
        for partner in self:
            district = partner.district_id
            if district and (partner.partner_latitude or partner.partner_longitude):
                distance = district._distance_m(partner.partner_latitude, partner.partner_longitude)
                partner.district_distance_m = round(distance)
                partner.outside_district = distance > district.radius_m
            else:
                partner.district_distance_m = 0
                partner.outside_district = False

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("is_merchant", "merchant_category_id", "partner_latitude", "partner_longitude")
    def _check_merchant_profile(self):
        for partner in self:
            if not -90 <= partner.partner_latitude <= 90 or not -180 <= partner.partner_longitude <= 180:
                raise ValidationError(_("The coordinates of %s are out of range.", partner.display_name))
            if partner.is_merchant and not partner.merchant_category_id:
                raise ValidationError(_("Merchant %s needs a business category.", partner.display_name))

    @api.constrains("settlement_bank_id")
    def _check_settlement_bank(self):
        for partner in self:
            bank = partner.settlement_bank_id
            if bank and bank.partner_id.commercial_partner_id != partner.commercial_partner_id:
                raise ValidationError(
                    _("The settlement account of %s must be one of its own bank accounts.", partner.display_name)
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _get_operator_fields(self):
        """Merchant fields only the platform may set: they decide who is paid and who sees what."""
        return {"is_merchant", "merchant_code", "merchant_category_id", "district_id", "settlement_bank_id"}

    @api.model
    def _check_operator_fields(self, vals):
        if self.env.su or self.env.user.has_group("city_base.group_operator"):
            return
        fields_set = self._get_operator_fields() & vals.keys()
        if not self:  # create: only a new merchant matters
            fields_set = {f for f in fields_set if vals[f]} if vals.get("is_merchant") else set()
        elif not (self.filtered("is_merchant") or vals.get("is_merchant")):
            fields_set = set()
        if fields_set:
            raise AccessError(
                _(
                    "Only platform operators can change these merchant fields: %s",
                    ", ".join(sorted(self._fields[f].get_description(self.env)["string"] for f in fields_set)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_operator_fields(vals)
            if vals.get("is_merchant") and not vals.get("merchant_code"):
                vals["merchant_code"] = self.env["ir.sequence"].next_by_code("city.merchant")
        return super().create(vals_list)

    def write(self, vals):
        self._check_operator_fields(vals)
        if vals.get("is_merchant") and not vals.get("merchant_code"):
            for partner in self.filtered(lambda p: not p.merchant_code):
                partner.merchant_code = self.env["ir.sequence"].next_by_code("city.merchant")
        res = super().write(vals)  # Odoo's access check: the caller may write these partners
        if "active" in vals and not vals["active"]:
            self.filtered("is_merchant")._city_lock_out_staff()
        return res

    def _city_lock_out_staff(self):
        """Archive the users of these (archived) merchants: archiving a merchant locks its staff
        out, whoever archives it (sudo: the archiving user need not manage users)."""
        if self:
            self.env["res.users"].sudo().search([("merchant_id", "in", self.ids)]).write({"active": False})

    @api.ondelete(at_uninstall=False)
    def _unlink_except_merchant(self):
        merchants = self.filtered("is_merchant")
        if merchants:
            raise UserError(
                _(
                    "Merchants keep their history: archive %(names)s instead of deleting.",
                    names=", ".join(merchants.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.model
    def action_open_my_merchant(self):
        """Open the current merchant user's own merchant profile."""
        access.check_groups(self.env, access.MERCHANT_USER)
        merchant = self.env.user.merchant_id
        if not merchant:
            raise UserError(_("Your user is not linked to a merchant."))
        return {
            "type": "ir.actions.act_window",
            "name": merchant.display_name,
            "res_model": "res.partner",
            "res_id": merchant.id,
            "view_mode": "form",
            "views": [(self.env.ref("city_base.res_partner_view_form_merchant").id, "form")],
            "target": "current",
        }

    def action_view_merchant_users(self):
        access.check_groups(self.env, access.OPERATOR)
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Merchant Users"),
            "res_model": "res.users",
            "view_mode": "list,form",
            "domain": [("merchant_id", "=", self.id)],
            "context": {"default_merchant_id": self.id, "active_test": False},
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _get_merchant_tz(self):
        self.ensure_one()
        return pytz.timezone(self.tz or self.env.company.partner_id.tz or DEFAULT_TZ)

    def _is_open_at(self, when=None):
        """True if the merchant is open at ``when`` (naive UTC datetime, default now)."""
        self.ensure_one()
        when = when or fields.Datetime.now()
        local = pytz.utc.localize(when).astimezone(self._get_merchant_tz())
        hour = local.hour + local.minute / 60.0
        return any(period._covers(local.weekday(), hour) for period in self.opening_hours_ids)

    @api.model
    def _merchants_near(self, latitude, longitude, radius_m):
        """Active merchants within ``radius_m`` metres of a point, nearest first.

        A bounding box narrows the search in SQL; the exact distance is then
        computed on the few candidates.
        """
        deg = radius_m / 111_000.0
        deg_lon = deg / max(math.cos(math.radians(latitude)), 0.01)
        candidates = self.search(
            [
                ("is_merchant", "=", True),
                ("partner_latitude", ">=", latitude - deg),
                ("partner_latitude", "<=", latitude + deg),
                ("partner_longitude", ">=", longitude - deg_lon),
                ("partner_longitude", "<=", longitude + deg_lon),
            ]
        )
        ranked = sorted(
            (haversine_m(latitude, longitude, m.partner_latitude, m.partner_longitude), m.id) for m in candidates
        )
        return self.browse([mid for dist, mid in ranked if dist <= radius_m])
