# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import to_fen

from .city_mp_error import MpError


def money(fen):
    """Money in the API: integer fen and the display string."""
    return {
        "fen": fen,
        "display": f"¥{fen // 100}.{fen % 100:02d}" if fen >= 0 else f"-¥{-fen // 100}.{-fen % 100:02d}",
    }


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.model
    def _city_mp_sellable_domain(self):
        return [("city_ticket_type", "!=", False), ("sale_ok", "=", True), ("active", "=", True)]

    @api.model
    def _city_mp_get_sellable(self, template_id, merchant=None):
        """The ticket product on sale ``template_id`` (sudo), or :class:`MpError` 404."""
        domain = [("id", "=", template_id), *self._city_mp_sellable_domain()]
        if merchant:
            domain.append(("merchant_id", "=", merchant.id))
        template_sudo = self.sudo().search(domain, limit=1)
        if not template_sudo:
            raise MpError("not_found", _("No such product."), status=404)
        return template_sudo

    def _city_mp_lock_for_sale(self):
        """Lock the product row before its quota is taken: a concurrent sale answers "busy, retry"
        (429) instead of queueing every buyer on the row or failing after Odoo's retries.
        Returns the units left once locked (``None`` without a quota), as the locked row says.

        The refusal leaves the transaction aborted for the caller to roll back (the API's
        endpoint runs in a savepoint, rolled back on any refusal)."""
        self.ensure_one()
        self.flush_recordset(["city_sold_qty", "city_quota"])
        try:
            self.env.cr.execute(
                SQL(
                    """SELECT COALESCE(city_quota, 0), COALESCE(city_sold_qty, 0)
                         FROM product_template WHERE id = %s FOR NO KEY UPDATE NOWAIT""",
                    self.id,
                )
            )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise MpError(
                "busy", _("Many people are buying this right now: retry in a moment."), status=429, retry_after=1
            ) from None
        quota, sold = self.env.cr.fetchone()
        self.invalidate_recordset(["city_sold_qty", "city_quota"])
        return max(quota - sold, 0) if quota else None

    def _city_mp_to_api(self):
        self.ensure_one()
        template_sudo = self.sudo()
        tier = template_sudo._city_get_current_tier()
        price_fen = to_fen(template_sudo._city_get_price())
        now = fields.Datetime.now()
        slots = template_sudo.city_slot_ids.filtered(lambda s: s.date_begin > now)
        return {
            "id": template_sudo.id,
            "name": template_sudo.name,
            "merchant_id": template_sudo.merchant_id.id or None,
            "type": template_sudo.city_ticket_type,
            "price": money(price_fen),
            "list_price": money(to_fen(template_sudo.list_price)),
            "tier": tier.name if tier else None,
            "quota": template_sudo.city_quota or None,
            "remaining": template_sudo.city_remaining_qty if template_sudo.city_quota else None,
            "sold_out": bool(template_sudo.city_quota) and not template_sudo.city_remaining_qty,
            "refund_policy": template_sudo.city_refund_policy,
            "uses": template_sudo.city_uses,
            "valid_days": template_sudo.city_valid_days or None,
            "terms": template_sudo.city_terms or "",
            "slots": [
                {
                    "id": slot.id,
                    "begin": fields.Datetime.to_string(slot.date_begin),
                    "end": fields.Datetime.to_string(slot.date_end),
                    "remaining": max(slot.capacity - slot.booked_qty, 0),
                }
                for slot in slots[:50]
            ],
        }
