# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.groups import CITY_ROLES

TICKET_TYPES = [
    ("voucher", "Group-buy Voucher"),
    ("appointment", "Appointment Voucher"),
    ("event", "Event Ticket"),
    ("multi_use", "Multi-use Card"),
]
REFUND_POLICIES = [
    ("anytime", "Refund Anytime"),
    ("expire_refund", "Auto Refund on Expiry"),
    ("no_refund", "Non-refundable"),
]


class ProductTemplate(models.Model):
    """Ticket products: what a member buys in the mini-program.

    A ticket product is a storable product: its presale quota is mirrored as
    on-hand stock in the company's warehouse (an inventory adjustment per quota
    change) and every issued ticket leaves through the order's delivery, so the
    quota, what was sold and what is left are visible in Inventory with Odoo's
    own moves. The delivery is created and done when the tickets are issued on
    payment, not at confirmation (``sale.order.line._city_deliver_tickets``): an
    unpaid order holds units of the quota, not stock. The quota itself is guarded
    by a conditional UPDATE on ``city_sold_qty`` (and a CHECK constraint) so it
    never oversells.
    """

    _inherit = "product.template"

    # ------------------------------------------------------------------ fields
    city_ticket_type = fields.Selection(TICKET_TYPES, string="Ticket Type", index="btree_not_null")
    city_uses = fields.Integer(string="Uses per Ticket", default=1, help="Number of uses of a multi-use card.")
    city_valid_from = fields.Datetime(string="Valid From")
    city_valid_to = fields.Datetime(string="Valid Until")
    city_valid_days = fields.Integer(
        string="Valid Days after Purchase", help="Used when no fixed end of validity is set; 0 means no limit."
    )
    city_refund_policy = fields.Selection(REFUND_POLICIES, string="Refund Policy", default="anytime")
    city_terms = fields.Text(string="Terms of Use", translate=True)
    city_event_id = fields.Many2one("event.event", string="Event", ondelete="restrict", index="btree_not_null")
    city_slot_ids = fields.One2many("city.ticket.slot", "product_tmpl_id", string="Time Slots")
    city_is_combo = fields.Boolean(string="Multi-merchant Combo")
    city_component_ids = fields.One2many("city.ticket.component", "product_tmpl_id", string="Combo Components")
    city_quota = fields.Integer(string="Presale Quota", default=0, help="Units on sale in total; 0 means no quota.")
    city_sold_qty = fields.Integer(string="Presale Sold", default=0, readonly=True, copy=False)
    city_remaining_qty = fields.Integer(string="Remaining", compute="_compute_city_remaining_qty")
    city_tier_ids = fields.One2many("city.ticket.price.tier", "product_tmpl_id", string="Price Tiers")
    city_current_price = fields.Monetary(string="Current Price", compute="_compute_city_current_price")
    city_ticket_count = fields.Integer(string="Tickets", compute="_compute_city_ticket_count", groups=CITY_ROLES)

    _sql_constraints = [
        ("city_quota_positive", "CHECK(city_quota >= 0 AND city_sold_qty >= 0)", "Quotas cannot be negative."),
        (
            "city_quota_not_oversold",
            "CHECK(city_quota = 0 OR city_sold_qty <= city_quota)",
            "The quota cannot be lower than what is already sold.",
        ),
        ("city_uses_positive", "CHECK(city_uses >= 1)", "A ticket has at least one use."),
    ]

    # ----------------------------------------------------------- constraints
    @api.constrains("city_ticket_type", "city_event_id", "city_is_combo", "city_component_ids", "city_uses")
    def _check_city_ticket(self):
        for template in self.filtered("city_ticket_type"):
            if template.city_ticket_type == "event" and not template.city_event_id:
                raise ValidationError(_("An event ticket must belong to an event."))
            if template.city_ticket_type != "multi_use" and template.city_uses != 1:
                raise ValidationError(_("Only multi-use cards have more than one use."))
            if template.city_is_combo and len(template.city_component_ids) < 2:
                raise ValidationError(_("A combo needs at least two components."))
        for template in self:
            if (
                template.city_valid_from
                and template.city_valid_to
                and template.city_valid_to < template.city_valid_from
            ):
                raise ValidationError(_("The end of validity must come after its start."))

    # --------------------------------------------------------------- compute
    @api.depends("city_quota", "city_sold_qty")
    def _compute_city_remaining_qty(self):
        for template in self:
            template.city_remaining_qty = (
                max(template.city_quota - template.city_sold_qty, 0) if template.city_quota else 0
            )

    @api.depends(
        "list_price", "city_tier_ids.price", "city_tier_ids.date_end", "city_tier_ids.sold_limit", "city_sold_qty"
    )
    def _compute_city_current_price(self):
        for template in self:
            tier = template._city_get_current_tier()
            template.city_current_price = tier.price if tier else template.list_price

    def _compute_city_ticket_count(self):
        counts = dict(
            self.env["city.ticket"]._read_group([("product_tmpl_id", "in", self.ids)], ["product_tmpl_id"], ["__count"])
        )
        for template in self:
            template.city_ticket_count = counts.get(template, 0)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("city_ticket_type"):
                vals.update(self._city_ticket_product_vals())
        templates = super().create(vals_list)
        for template in templates.filtered(lambda t: t.city_ticket_type and t.city_quota):
            template._city_adjust_ticket_stock(template.city_quota)
        templates.filtered("city_is_combo")._city_sync_combo_rule()
        return templates

    def write(self, vals):
        if vals.get("city_ticket_type"):
            vals = dict(vals, **self._city_ticket_product_vals())
        old_quotas = {t.id: t.city_quota for t in self} if "city_quota" in vals else {}
        result = super().write(vals)
        for template in self.filtered(lambda t: t.id in old_quotas and t.city_ticket_type):
            delta = template.city_quota - old_quotas[template.id]
            if delta:
                template._city_adjust_ticket_stock(delta)
        if {"city_is_combo", "city_component_ids"} & set(vals):
            self.filtered("city_is_combo")._city_sync_combo_rule()
        return result

    @api.model
    def _city_ticket_product_vals(self):
        # Tickets are storable so that the quota shows in Inventory; they are sold, never bought.
        return {"type": "consu", "is_storable": True, "sale_ok": True, "purchase_ok": False}

    # -------------------------------------------------------------- business
    def _city_get_current_tier(self, sold_qty=None, date=None):
        """The price tier that applies now (first by sequence), or an empty recordset."""
        self.ensure_one()
        now = date or fields.Datetime.now()
        sold = self.city_sold_qty if sold_qty is None else sold_qty
        for tier in self.city_tier_ids.sorted(lambda t: (t.sequence, t.id)):
            if tier.kind == "date" and tier.date_end and now < tier.date_end:
                return tier
            if tier.kind == "sold" and sold < tier.sold_limit:
                return tier
        return self.env["city.ticket.price.tier"]

    def _city_get_price(self):
        """Unit price of the ticket product right now (price tier, else the sales price)."""
        self.ensure_one()
        tier = self._city_get_current_tier()
        return tier.price if tier else self.list_price

    def _city_reserve_quota(self, quantity):
        """Take ``quantity`` units of the presale quota, or refuse.

        One conditional UPDATE: it succeeds only while enough units are left, so
        under concurrent orders the last unit goes to exactly one buyer (the
        others wait on the row lock, then see the new count or a serialization
        failure that Odoo retries).
        """
        self.ensure_one()
        if quantity <= 0:
            return
        self.flush_recordset(["city_quota", "city_sold_qty"])
        self.env.cr.execute(
            SQL(
                """UPDATE product_template SET city_sold_qty = COALESCE(city_sold_qty, 0) + %(qty)s
                    WHERE id = %(id)s
                      AND (COALESCE(city_quota, 0) = 0 OR COALESCE(city_sold_qty, 0) + %(qty)s <= city_quota)
                RETURNING city_sold_qty""",
                qty=int(quantity),
                id=self.id,
            ),
            log_exceptions=False,  # a concurrent buyer's serialization failure is retried, not an error
        )
        row = self.env.cr.fetchone()
        self.invalidate_recordset(["city_sold_qty"])
        if not row:
            raise UserError(
                _(
                    "%(product)s is sold out: only %(left)s left.",
                    product=self.display_name,
                    left=self.sudo().city_remaining_qty,
                )
            )

    def _city_release_quota(self, quantity):
        """Give ``quantity`` units back to the quota (cancelled order)."""
        self.ensure_one()
        self.flush_recordset(["city_sold_qty"])
        self.env.cr.execute(
            SQL(
                """UPDATE product_template SET city_sold_qty = GREATEST(COALESCE(city_sold_qty, 0) - %s, 0)
                    WHERE id = %s""",
                int(quantity),
                self.id,
            )
        )
        self.invalidate_recordset(["city_sold_qty"])

    def _city_adjust_ticket_stock(self, delta):
        """Mirror a quota change as an inventory adjustment in the company's warehouse."""
        self.ensure_one()
        product = self.product_variant_id
        company = self.company_id or self.env.company
        # sudo: Inventory mirrors the quota; merchant staff have no stock rights of their own.
        warehouse_sudo = self.env["stock.warehouse"].sudo().search([("company_id", "=", company.id)], limit=1)
        if not product or not warehouse_sudo:
            return
        quant_model = self.env["stock.quant"].sudo().with_context(inventory_mode=True)
        location = warehouse_sudo.lot_stock_id
        quant = quant_model.search([("product_id", "=", product.id), ("location_id", "=", location.id)], limit=1)
        if quant:
            quant.inventory_quantity = quant.quantity + delta
        else:
            quant = quant_model.create(
                {"product_id": product.id, "location_id": location.id, "inventory_quantity": delta}
            )
        quant._apply_inventory()

    def _city_sync_combo_rule(self):
        """Hand each combo's components and weights to city_settlement's combo rule."""
        for template in self:
            components = [
                {"merchant_id": c.merchant_id.id, "weight": c.weight, "component_key": c.component_key}
                for c in template.city_component_ids
            ]
            if components:
                self.env["city.split.rule"].sudo()._sync_combo_rule(template, components)

    def _city_compute_validity(self, start=None, slot=None):
        """(valid_from, valid_to) of a ticket of this product bought at ``start``."""
        self.ensure_one()
        start = start or fields.Datetime.now()
        if slot:
            return slot.date_begin, slot.date_end
        if self.city_ticket_type == "event" and self.city_event_id:
            return self.city_valid_from or start, self.city_event_id.date_end
        valid_from = self.city_valid_from or start
        valid_to = self.city_valid_to
        if not valid_to and self.city_valid_days:
            valid_to = start + timedelta(days=self.city_valid_days)
        return valid_from, valid_to

    def action_view_city_tickets(self):
        access.check_groups(self.env, *access.ANY_ROLE)
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("city_ticketing.city_ticket_action")
        action["domain"] = [("product_tmpl_id", "=", self.id)]
        action["context"] = {}
        return action

    def _city_apply_sync(self, vals):
        """Apply one validated ERP sync row (quota, price, tiers) to this product."""
        self.ensure_one()
        if vals.get("city_quota") and vals["city_quota"] < self.city_sold_qty:
            raise UserError(
                _("The quota cannot be lower than what is already sold (%(sold)s).", sold=self.city_sold_qty)
            )
        if "city_tier_ids" in vals:
            vals = dict(vals, city_tier_ids=[Command.clear()] + [Command.create(t) for t in vals["city_tier_ids"]])
        self.write(vals)
