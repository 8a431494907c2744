# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.city_base.tools import access


class CityAlliance(models.Model):
    """An alliance of merchants (异业联盟): members with terms, valid between two dates.

    Workflow: an Operator drafts the alliance and invites merchants; each invited
    merchant's manager accepts (or declines) its invitation; the Operator approves
    the accepted members and the alliance becomes active. Alliances are archived,
    never deleted: coupons, bookings and attributions keep pointing at them.
    """

    _name = "city.alliance"
    _inherit = ["mail.thread"]
    _description = "Merchant Alliance"
    _order = "sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    description = fields.Text(translate=True)
    date_start = fields.Date(string="Valid From", required=True, default=fields.Date.context_today, tracking=True)
    date_end = fields.Date(string="Valid Until", tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("closed", "Closed")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    member_ids = fields.One2many("city.alliance.member", "alliance_id", string="Members", copy=False)
    member_count = fields.Integer(compute="_compute_member_count")
    trigger_ids = fields.One2many("city.alliance.trigger", "alliance_id", string="Triggers")
    trigger_count = fields.Integer(compute="_compute_trigger_count")
    coupon_issue_count = fields.Integer(string="Coupons Issued", compute="_compute_coupon_issue_count")
    package_product_tmpl_id = fields.Many2one(
        "product.template",
        string="Joint Package",
        ondelete="restrict",
        help="A package sold by the alliance: its revenue is shared between the members by their package "
        "shares, through a combo split rule of the settlement.",
    )
    package_split_rule_id = fields.Many2one("city.split.rule", readonly=True, copy=False)

    _sql_constraints = [
        ("dates_ordered", "CHECK(date_end IS NULL OR date_end >= date_start)", "An alliance must end after it starts."),
    ]

    # ------------------------------------------------------------
    # CONSTRAINTS, COMPUTE
    # ------------------------------------------------------------

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for alliance in self:
            if alliance.date_end and alliance.date_end < alliance.date_start:
                raise ValidationError(self.env._("An alliance must end after it starts."))

    def _compute_member_count(self):
        for alliance in self:
            alliance.member_count = len(alliance.member_ids)

    def _compute_trigger_count(self):
        for alliance in self:
            alliance.trigger_count = len(alliance.trigger_ids)

    def _compute_coupon_issue_count(self):
        groups = self.env["city.coupon.issue"]._read_group(
            [("alliance_id", "in", self.ids)], groupby=["alliance_id"], aggregates=["__count"]
        )
        counts = {alliance.id: count for alliance, count in groups}
        for alliance in self:
            alliance.coupon_issue_count = counts.get(alliance.id, 0)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_archive(self):
        raise UserError(self.env._("Alliances are archived, not deleted: archive it instead."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_approve(self):
        """Operator: approve the members that accepted and activate the alliance."""
        access.check_groups(self.env, access.OPERATOR)
        for alliance in self:
            accepted = alliance.member_ids.filtered(lambda m: m.state == "accepted")
            if not accepted and not alliance.member_ids.filtered(lambda m: m.state == "approved"):
                raise UserError(
                    self.env._("No member of %(alliance)s has accepted its invitation yet.", alliance=alliance.name)
                )
            accepted._approve()
            alliance.state = "active"
            alliance.message_post(body=self.env._("Alliance approved with %(count)s members.", count=len(accepted)))
        return True

    def action_close(self):
        """Operator: close the alliance (its triggers stop issuing coupons)."""
        access.check_groups(self.env, access.OPERATOR)
        self.write({"state": "closed"})
        return True

    def action_reopen(self):
        access.check_groups(self.env, access.OPERATOR)
        self.write({"state": "draft"})
        return True

    def action_create_package_rule(self):
        """Operator: (re)create the combo split rule sharing the joint package's revenue
        between the approved members by their package shares."""
        access.check_groups(self.env, access.OPERATOR)
        for alliance in self:
            alliance._city_sync_package_rule()
        return True

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _city_is_running(self, day=None):
        """Active, not archived, and ``day`` (default today) within its validity dates."""
        self.ensure_one()
        day = day or fields.Date.context_today(self)
        return (
            self.active
            and self.state == "active"
            and self.date_start <= day
            and (not self.date_end or day <= self.date_end)
        )

    @api.model
    def _city_running_domain(self, day=None):
        day = day or fields.Date.context_today(self)
        return [
            ("state", "=", "active"),
            ("date_start", "<=", day),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", day),
        ]

    def _city_approved_members(self):
        self.ensure_one()
        return self.member_ids.filtered(lambda m: m.state == "approved")

    def _city_sync_package_rule(self):
        """The joint package's revenue share as a city_settlement combo split rule.

        The rule's components are the approved members with a package share (their
        weights); the settlement's combo engine splits each paid package line over
        them cent-exactly. A changed share set makes a new rule version.
        """
        self.ensure_one()
        if not self.package_product_tmpl_id:
            raise UserError(self.env._("Choose the joint package product of the alliance first."))
        members = self._city_approved_members().filtered(lambda m: m.package_share > 0)
        if not members:
            raise UserError(self.env._("No approved member has a package share."))
        components = [
            {"merchant_id": member.merchant_id.id, "weight": member.package_share, "component_key": f"m{member.id}"}
            for member in members
        ]
        rule = self.env["city.split.rule"].sudo()._sync_combo_rule(self.package_product_tmpl_id, components)
        self.sudo().package_split_rule_id = rule
        return rule


class CityAllianceMember(models.Model):
    """A merchant's membership of an alliance and its terms."""

    _name = "city.alliance.member"
    _inherit = ["city.merchant.mixin"]
    _description = "Alliance Member"
    _order = "alliance_id, sequence, id"
    _rec_name = "merchant_id"

    alliance_id = fields.Many2one("city.alliance", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="alliance_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    state = fields.Selection(
        [("invited", "Invited"), ("accepted", "Accepted"), ("approved", "Approved"), ("declined", "Declined")],
        default="invited",
        required=True,
        index=True,
    )
    points_accepted = fields.Boolean(
        string="Accepts Alliance Points",
        default=True,
        help="The merchant accepts the district's points at its counter under this alliance's terms: "
        "it is reimbursed at the clearing rate below.",
    )
    points_clearing_fen = fields.Float(
        string="Clearing Rate (fen per point)",
        help="What the merchant is reimbursed per point accepted; 0 keeps the company's default rate.",
    )
    coupon_share = fields.Float(
        string="Coupon Funding Share",
        default=1.0,
        help="The member's weight when the alliance funds a shared coupon (triggers funded by the alliance).",
    )
    package_share = fields.Float(
        string="Package Revenue Share", help="The member's weight in the joint package's revenue split."
    )
    accepted_uid = fields.Many2one("res.users", string="Accepted by", readonly=True, ondelete="set null")
    accepted_date = fields.Datetime(readonly=True)
    approved_uid = fields.Many2one("res.users", string="Approved by", readonly=True, ondelete="set null")
    approved_date = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("merchant_uniq", "UNIQUE(alliance_id, merchant_id)", "A merchant is a member of an alliance once."),
        (
            "terms_positive",
            "CHECK(points_clearing_fen >= 0 AND coupon_share >= 0 AND package_share >= 0)",
            "Clearing rates and shares cannot be negative.",
        ),
    ]

    @api.constrains("points_clearing_fen", "coupon_share", "package_share")
    def _check_terms(self):
        for member in self:
            if min(member.points_clearing_fen, member.coupon_share, member.package_share) < 0:
                raise ValidationError(self.env._("Clearing rates and shares cannot be negative."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _check_own_invitation(self):
        access.check_groups(self.env, access.MERCHANT_MANAGER)
        for member in self:
            if member.merchant_id != self.env.user.merchant_id:
                raise UserError(self.env._("Only the invited merchant's manager can answer its invitation."))
            if member.state != "invited":
                raise UserError(self.env._("This invitation has already been answered."))

    def action_accept(self):
        """Merchant manager of the invited merchant: accept the invitation."""
        self._check_own_invitation()
        self.sudo().write({"state": "accepted", "accepted_uid": self.env.uid, "accepted_date": fields.Datetime.now()})
        for member in self:
            member.alliance_id.sudo().message_post(
                body=self.env._("%(merchant)s accepted the invitation.", merchant=member.merchant_id.name)
            )
        return True

    def action_decline(self):
        """Merchant manager of the invited merchant: decline the invitation."""
        self._check_own_invitation()
        self.sudo().write({"state": "declined", "accepted_uid": self.env.uid, "accepted_date": fields.Datetime.now()})
        return True

    def action_approve(self):
        """Operator: approve an accepted member (of an alliance already active, or not)."""
        access.check_groups(self.env, access.OPERATOR)
        if self.filtered(lambda m: m.state != "accepted"):
            raise UserError(self.env._("Only members that accepted their invitation can be approved."))
        self._approve()
        return True

    def action_reinvite(self):
        """Operator: invite a declined merchant again."""
        access.check_groups(self.env, access.OPERATOR)
        self.filtered(lambda m: m.state == "declined").write({"state": "invited"})
        return True

    def _approve(self):
        self.sudo().write({"state": "approved", "approved_uid": self.env.uid, "approved_date": fields.Datetime.now()})

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _city_terms_of(self, merchant, company, day=None, domain=None):
        """The approved membership whose terms apply to ``merchant`` in ``company`` today:
        of a running alliance, the first by alliance sequence (empty when none)."""
        if not merchant:
            return self.browse()
        running = self.env["city.alliance"].sudo()._city_running_domain(day)
        domain = [
            ("merchant_id", "=", merchant.id),
            ("state", "=", "approved"),
            ("alliance_id.company_id", "=", company.id),
            ("alliance_id.active", "=", True),
            *(domain or []),
        ] + [(f"alliance_id.{term[0]}", *term[1:]) if isinstance(term, tuple) else term for term in running]
        return self.sudo().search(domain, order="alliance_id, id", limit=1)
