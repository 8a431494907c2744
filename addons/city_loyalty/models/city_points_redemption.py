# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CityPointsRedemption(models.Model):
    """A reward a member took from the points mall, and what it produced (coupon, order, delivery)."""

    _name = "city.points.redemption"
    _description = "Points Mall Redemption"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    reward_id = fields.Many2one("city.points.reward", required=True, index=True, ondelete="restrict", readonly=True)
    kind = fields.Selection(related="reward_id.kind", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Member", required=True, index=True, ondelete="restrict", readonly=True
    )
    wallet_id = fields.Many2one("city.points.wallet", required=True, ondelete="restrict", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    merchant_id = fields.Many2one(
        "res.partner", string="Accepting Merchant", ondelete="restrict", readonly=True, index="btree_not_null"
    )
    points = fields.Integer(readonly=True)
    ledger_id = fields.Many2one("city.points.ledger", ondelete="restrict", readonly=True)
    loyalty_card_id = fields.Many2one("loyalty.card", string="Coupon", ondelete="set null", readonly=True)
    sale_order_id = fields.Many2one("sale.order", ondelete="set null", readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Delivery", ondelete="set null", readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)

    @api.depends("reward_id", "partner_id")
    def _compute_name(self):
        for redemption in self:
            redemption.name = f"{redemption.reward_id.name} – {redemption.partner_id.name}"

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _redeem(self, partner, reward, company=None):
        """Spend ``partner``'s points on ``reward`` and deliver it; all or nothing.

        Locks the member's wallet (per-member limit, balance), takes one unit of
        stock atomically, spends the points (the accepting merchant is
        reimbursed through city_settlement) and creates the coupon, the paid
        service order or the delivery.
        """
        company = company or self.env.company
        reward = reward.sudo()  # the member acts through the API; the reward's checks are below
        if not reward.active or reward.company_id != company:
            raise UserError(self.env._("This reward is not available."))
        if not partner.is_member:
            raise UserError(self.env._("Only members can redeem rewards."))
        Wallet = self.env["city.points.wallet"].sudo()
        wallet = Wallet._get_wallets(partner, company)
        wallet._lock_rows()
        if reward.per_member_limit:
            taken = self.sudo().search_count([("reward_id", "=", reward.id), ("partner_id", "=", partner.id)])
            if taken >= reward.per_member_limit:
                raise UserError(self.env._("You have already redeemed this reward %s times.", taken))
        if wallet.balance < reward.points_cost:
            raise UserError(
                self.env._(
                    "Not enough points: %(cost)s needed, %(balance)s available.",
                    cost=reward.points_cost,
                    balance=wallet.balance,
                )
            )
        if reward.quantity_limited:
            reward.flush_recordset(["quantity_available"])
            self.env.cr.execute(
                SQL(
                    "UPDATE city_points_reward SET quantity_available = quantity_available - 1 "
                    "WHERE id = %s AND quantity_available > 0 RETURNING id",
                    reward.id,
                )
            )
            if not self.env.cr.fetchone():
                raise UserError(self.env._("This reward is out of stock."))
            reward.invalidate_recordset(["quantity_available"])
        redemption = self.sudo().create(
            {
                "reward_id": reward.id,
                "partner_id": partner.id,
                "wallet_id": wallet.id,
                "company_id": company.id,
                "merchant_id": reward.merchant_id.id,
                "points": reward.points_cost,
            }
        )
        ledger = wallet._spend(
            reward.points_cost,
            merchant=reward.merchant_id or None,
            source_ref=f"city.points.redemption,{redemption.id}",
            note=reward.name,
        )
        redemption.ledger_id = ledger
        getattr(redemption, f"_deliver_{reward.kind}")()
        self.env["city.member.notification"]._queue(
            partner,
            "reward",
            self.env._("Reward redeemed"),
            reward.name,
            payload={"redemption_id": redemption.id, "points": reward.points_cost},
            company=company,
        )
        return redemption

    def _deliver_coupon(self):
        reward = self.reward_id
        self.loyalty_card_id = (
            self.env["loyalty.card"]
            .sudo()
            .create(
                {
                    "program_id": reward.loyalty_program_id.id,
                    "partner_id": self.partner_id.id,
                    "points": reward.coupon_points,
                }
            )
        )

    def _deliver_service(self):
        """A sale order of the merchant's service, paid in full with points.

        The points are the payment (the merchant is reimbursed at the clearing
        rate), so the order line is at zero price; confirming and marking it
        paid fires ``sale.order._city_on_paid`` like any paid order, so other
        modules (city_ticketing) deliver the service.
        """
        reward = self.reward_id
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "city_points_redemption_id": self.id,
                    "order_line": [
                        fields.Command.create(
                            {
                                "product_id": reward.product_id.id,
                                "product_uom_qty": 1,
                                "price_unit": 0.0,
                                "name": self.env._(
                                    "%(reward)s (paid with %(points)s points)",
                                    reward=reward.product_id.display_name,
                                    points=self.points,
                                ),
                            }
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        self.sale_order_id = order
        order._city_paid_with_points()

    def _deliver_gift(self):
        reward = self.reward_id
        warehouse = self.env["stock.warehouse"].sudo().search([("company_id", "=", self.company_id.id)], limit=1)
        if not warehouse:
            raise UserError(self.env._("No warehouse to ship the gift from."))
        picking_type = warehouse.out_type_id
        picking = (
            self.env["stock.picking"]
            .sudo()
            .create(
                {
                    "partner_id": self.partner_id.id,
                    "picking_type_id": picking_type.id,
                    "location_id": picking_type.default_location_src_id.id,
                    "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                    "origin": self.name,
                    "move_ids": [
                        fields.Command.create(
                            {
                                "name": reward.product_id.display_name,
                                "product_id": reward.product_id.id,
                                "product_uom_qty": 1,
                                "product_uom": reward.product_id.uom_id.id,
                                "location_id": picking_type.default_location_src_id.id,
                                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.action_assign()
        self.picking_id = picking
