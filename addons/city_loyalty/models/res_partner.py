# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.city_base.tools import access

# Who reads points wallets (and so a member's balance): the platform's roles, not merchants.
WALLET_READERS = "city_base.group_operator,city_base.group_accountant"


class ResPartner(models.Model):
    _inherit = "res.partner"

    city_birthday = fields.Date(string="Birthday")
    city_points_wallet_ids = fields.One2many(
        "city.points.wallet", "partner_id", string="Points Wallets", groups=WALLET_READERS
    )
    city_points_balance = fields.Integer(string="Points", compute="_compute_city_points_balance", groups=WALLET_READERS)

    def _compute_city_points_balance(self):
        wallets = (
            self.env["city.points.wallet"]
            .sudo()
            .search([("partner_id", "in", self.ids), ("company_id", "=", self.env.company.id)])
        )
        balances = {wallet.partner_id.id: wallet.balance for wallet in wallets}
        for partner in self:
            partner.city_points_balance = balances.get(partner.id, 0)

    def action_city_points_wallet(self):
        access.check_groups(self.env, access.OPERATOR)
        self.ensure_one()
        self.check_access("read")
        wallet = self.env["city.points.wallet"]._get_wallets(self)
        return {
            "type": "ir.actions.act_window",
            "res_model": "city.points.wallet",
            "res_id": wallet.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # MEMBER API (called by city_miniprogram_api for the authenticated member)
    # ------------------------------------------------------------
    # Each method acts for ``self`` (one member) and returns plain JSON-ready
    # values; refusals are {"ok": False, "code": ..., "message": ...} so that a
    # rejected earning stays recorded (no rollback).

    def _city_wallet(self):
        self.ensure_one()
        if not self.is_member:
            raise UserError(self.env._("Only members have a points wallet."))
        # The API authenticated this member; the wallet is theirs.
        return self.env["city.points.wallet"].sudo()._get_wallets(self)

    def _city_points_api_summary(self):
        """Balance, tier and points expiring soon."""
        wallet = self._city_wallet()
        return {
            "balance": wallet.balance,
            "tier": wallet.tier_id.name or None,
            "multiplier": wallet.tier_id.multiplier or 1.0,
            "rolling_spend": wallet.rolling_spend,
            "expiring_points": wallet.expiring_points,
            "next_expiry_date": fields.Date.to_string(wallet.next_expiry_date) if wallet.next_expiry_date else None,
        }

    def _city_points_api_ledger(self, offset=0, limit=20):
        """One page of the member's ledger, newest first."""
        wallet = self._city_wallet()
        limit = max(1, min(int(limit), 100))
        offset = max(0, int(offset))
        Ledger = self.env["city.points.ledger"].sudo()
        domain = [("wallet_id", "=", wallet.id)]
        return {
            "total": Ledger.search_count(domain),
            "offset": offset,
            "limit": limit,
            "items": Ledger.search(domain, offset=offset, limit=limit)._api_values(),
        }

    def _city_earn_result(self, lines, rejections):
        if lines:
            return {"ok": True, "points": sum(lines.mapped("points")), "balance": lines[:1].wallet_id.balance}
        reason = rejections[:1]
        reasons = dict(reason._fields["reason"]._description_selection(self.env)) if reason else {}
        return {
            "ok": False,
            "code": reason.reason or "rejected",
            "message": reasons.get(reason.reason) or self.env._("No points were earned."),
        }

    def _city_points_api_sign_in(self):
        """Daily sign-in points (once per day)."""
        wallet = self._city_wallet()
        today = fields.Date.context_today(self)
        lines, rejections = wallet._earn_events(
            [{"partner": self, "event": "sign_in", "event_key": f"sign_in:{today}"}], wallet.company_id
        )
        return self._city_earn_result(lines, rejections)

    def _city_points_api_review(self, review_ref, merchant=None):
        """Points for a review (``review_ref`` identifies it: one review earns once)."""
        wallet = self._city_wallet()
        if not review_ref:
            raise UserError(self.env._("A review reference is required."))
        merchant = merchant and self.env["res.partner"].sudo().browse(int(merchant)).exists()
        lines, rejections = wallet._earn_events(
            [
                {
                    "partner": self,
                    "event": "review",
                    "merchant": merchant or None,
                    "event_key": f"review:{review_ref}",
                    "source_ref": str(review_ref)[:128],
                }
            ],
            wallet.company_id,
        )
        return self._city_earn_result(lines, rejections)

    def _city_points_api_spend(self, points, merchant_id, idempotency_key, note=None):
        """Pay ``points`` at a merchant's counter; the merchant is reimbursed at the clearing rate.

        ``idempotency_key`` makes a repeated call return the first result.
        """
        wallet = self._city_wallet()
        merchant = self.env["res.partner"].sudo().browse(int(merchant_id)).exists()
        if not merchant.is_merchant:
            raise UserError(self.env._("Unknown merchant."))
        if not idempotency_key:
            raise UserError(self.env._("An idempotency key is required."))
        key = f"spend:{idempotency_key}"
        done = self.env["city.points.ledger"].sudo().search([("wallet_id", "=", wallet.id), ("event_key", "=", key)])
        if not done:
            done = wallet._spend(int(points), merchant=merchant, event_key=key, note=note, nowait=True)
        return {"ok": True, "ledger_id": done.id, "points": -done.points, "balance": wallet.balance}

    @api.model
    def _city_points_api_rewards(self):
        """The points mall: active rewards of the current company."""
        rewards = (
            self.env["city.points.reward"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.env.company.id),
                    "|",
                    ("quantity_limited", "=", False),
                    ("quantity_available", ">", 0),
                ]
            )
        )
        return rewards._api_values()

    def _city_points_api_redeem(self, reward_id):
        """Redeem a reward of the points mall."""
        self._city_wallet()
        reward = self.env["city.points.reward"].sudo().browse(int(reward_id)).exists()
        if not reward:
            raise UserError(self.env._("This reward is not available."))
        redemption = self.env["city.points.redemption"]._redeem(self, reward)
        return {
            "ok": True,
            "redemption_id": redemption.id,
            "points": redemption.points,
            "balance": redemption.wallet_id.balance,
            "coupon_code": redemption.loyalty_card_id.code or None,
            "sale_order": redemption.sale_order_id.name or None,
        }
