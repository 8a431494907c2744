# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.city_base.tools import access


class CityPointsReward(models.Model):
    """A reward of the points mall: a coupon (Odoo loyalty program), a merchant's service or a gift from stock."""

    _name = "city.points.reward"
    _description = "Points Mall Reward"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    kind = fields.Selection(
        [("coupon", "Coupon"), ("service", "Merchant Service"), ("gift", "Physical Gift")],
        required=True,
        default="coupon",
    )
    points_cost = fields.Integer(string="Points", required=True)
    merchant_id = fields.Many2one(
        "res.partner",
        string="Accepting Merchant",
        ondelete="restrict",
        index="btree_not_null",
        domain=[("is_merchant", "=", True)],
        help="The merchant that delivers the reward and is reimbursed for the points at the clearing rate.",
    )
    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        string="Coupon Program",
        ondelete="restrict",
        check_company=True,
        domain=[("program_type", "in", ("coupons", "gift_card", "promo_code", "next_order_coupons"))],
    )
    coupon_points = fields.Float(string="Coupon Value (program points)", default=1.0)
    product_id = fields.Many2one("product.product", ondelete="restrict", check_company=True)
    quantity_limited = fields.Boolean(string="Limited Stock")
    quantity_available = fields.Integer(string="Available")
    per_member_limit = fields.Integer(string="Limit per Member", help="0: no limit.")
    redemption_ids = fields.One2many("city.points.redemption", "reward_id")
    redemption_count = fields.Integer(compute="_compute_redemption_count")
    image_128 = fields.Image(max_width=128, max_height=128)

    _sql_constraints = [
        ("points_cost_positive", "CHECK(points_cost > 0)", "A reward costs points."),
        ("quantity_not_negative", "CHECK(quantity_available >= 0)", "The reward is out of stock."),
        ("per_member_limit_positive", "CHECK(per_member_limit >= 0)", "The limit per member cannot be negative."),
    ]

    def _compute_redemption_count(self):
        counts = dict(
            self.env["city.points.redemption"]._read_group([("reward_id", "in", self.ids)], ["reward_id"], ["__count"])
        )
        for reward in self:
            reward.redemption_count = counts.get(reward, 0)

    @api.constrains("kind", "loyalty_program_id", "product_id", "merchant_id")
    def _check_kind(self):
        for reward in self:
            if reward.kind == "coupon" and not reward.loyalty_program_id:
                raise ValidationError(self.env._("A coupon reward needs a coupon program."))
            if reward.kind == "service":
                if not reward.product_id or not reward.merchant_id:
                    raise ValidationError(self.env._("A service reward needs the merchant and its product."))
                if reward.product_id.merchant_id and reward.product_id.merchant_id != reward.merchant_id:
                    raise ValidationError(self.env._("The service must be a product of the accepting merchant."))
            if reward.kind == "gift" and (not reward.product_id or reward.product_id.type != "consu"):
                raise ValidationError(self.env._("A gift reward needs a goods product."))

    def action_view_redemptions(self):
        access.check_groups(self.env, *access.ANY_ROLE)
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("city_loyalty.city_points_redemption_action")
        action["domain"] = [("reward_id", "=", self.id)]
        return action

    def _api_values(self):
        return [
            {
                "id": reward.id,
                "name": reward.name,
                "description": reward.description or "",
                "kind": reward.kind,
                "points": reward.points_cost,
                "merchant": reward.merchant_id.name or None,
                "available": reward.quantity_available if reward.quantity_limited else None,
                "per_member_limit": reward.per_member_limit or None,
            }
            for reward in self
        ]
