# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import hashlib
import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .city_ticket import CityTicketError

MAX_ITEMS = 500


class CityTicketSyncRequest(models.Model):
    """A merchant ERP's bulk update of quotas and prices, kept for idempotency.

    The same idempotency key sent again returns the stored answer without
    applying anything twice; the same key with a different body is refused.
    """

    _name = "city.ticket.sync.request"
    _inherit = ["city.merchant.mixin"]
    _description = "ERP Sync Request"
    _order = "id desc"

    idempotency_key = fields.Char(required=True, readonly=True)
    body_hash = fields.Char(readonly=True)
    response = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", ondelete="restrict", readonly=True, default=lambda self: self.env.user)

    _sql_constraints = [
        ("key_unique", "UNIQUE(merchant_id, idempotency_key)", "An idempotency key is used once per merchant."),
    ]

    @api.model
    def _sync(self, items, idempotency_key):
        """Apply ``items`` (``[{"sku"|"product_id", "quota"?, "price"?, "tiers"?}]``) for the user's merchant.

        Each row is applied or refused on its own (savepoint per row). Returns
        ``{"idempotency_key", "applied", "rejected", "results": [{"index", "ok", "error"?}]}``.
        """
        merchant = self.env.user.merchant_id
        if not merchant:
            raise CityTicketError("no_merchant", _("Only merchant users can sync products."))
        key = (idempotency_key or "").strip()
        if not key or len(key) > 128:
            raise CityTicketError(
                "invalid_idempotency_key", _("An idempotency key of 1 to 128 characters is required.")
            )
        if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
            raise CityTicketError("invalid_items", _("Send a list of 1 to %s items.", MAX_ITEMS))
        body_hash = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
        # Serialise requests with the same key: the second waits, then sees the first's answer.
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", f"city_sync:{merchant.id}:{key}"))
        # sudo: looking up this merchant's own earlier request by its key.
        previous_sudo = self.sudo().search([("merchant_id", "=", merchant.id), ("idempotency_key", "=", key)], limit=1)
        if previous_sudo:
            if previous_sudo.body_hash != body_hash:
                raise CityTicketError(
                    "idempotency_conflict", _("This idempotency key was already used with a different body.")
                )
            return dict(json.loads(previous_sudo.response), replayed=True)
        results = [self._sync_item(index, item) for index, item in enumerate(items)]
        response = {
            "idempotency_key": key,
            "applied": sum(1 for r in results if r["ok"]),
            "rejected": sum(1 for r in results if not r["ok"]),
            "results": results,
        }
        self.sudo().create(
            {
                "merchant_id": merchant.id,
                "idempotency_key": key,
                "body_hash": body_hash,
                "response": json.dumps(response, ensure_ascii=False),
            }
        )
        return dict(response, replayed=False)

    @api.model
    def _sync_item(self, index, item):
        try:
            with self.env.cr.savepoint():
                template = self._sync_find_product(item)
                template._city_apply_sync(self._sync_validate(item))
        except (CityTicketError, UserError, ValidationError, AccessError) as exc:
            code = getattr(exc, "code", None) or ("forbidden" if isinstance(exc, AccessError) else "invalid_value")
            return {"index": index, "ok": False, "error": {"code": code, "message": exc.args[0]}}
        return {"index": index, "ok": True, "product_id": template.id, "quota": template.city_quota}

    @api.model
    def _sync_find_product(self, item):
        if not isinstance(item, dict):
            raise CityTicketError("invalid_item", _("Each item must be an object."))
        templates = self.env["product.template"]  # record rules: a merchant finds only its own products
        if "product_id" in item:
            if not isinstance(item["product_id"], int):
                raise CityTicketError("invalid_product", _("product_id must be an integer."))
            template = templates.search([("id", "=", item["product_id"])])
        elif isinstance(item.get("sku"), str) and item["sku"]:
            template = templates.search([("default_code", "=", item["sku"])], limit=2)
        else:
            raise CityTicketError("invalid_product", _("Each item needs a product_id or a sku."))
        if len(template) != 1 or not template.city_ticket_type:
            raise CityTicketError("unknown_product", _("No ticket product of yours matches this item."))
        return template

    @api.model
    def _sync_validate(self, item):
        unknown = set(item) - {"product_id", "sku", "quota", "price", "tiers"}
        if unknown:
            raise CityTicketError("unknown_field", _("Unknown fields: %s", ", ".join(sorted(unknown))))
        vals = {}
        if "quota" in item:
            if not isinstance(item["quota"], int) or isinstance(item["quota"], bool) or item["quota"] < 0:
                raise CityTicketError("invalid_quota", _("quota must be a non-negative integer."))
            vals["city_quota"] = item["quota"]
        if "price" in item:
            vals["list_price"] = self._sync_price(item["price"])
        if "tiers" in item:
            if not isinstance(item["tiers"], list):
                raise CityTicketError("invalid_tiers", _("tiers must be a list."))
            tiers = []
            for position, tier in enumerate(item["tiers"]):
                if not isinstance(tier, dict) or not tier.get("name"):
                    raise CityTicketError("invalid_tiers", _("Each tier needs a name."))
                tier_vals = {"sequence": position, "name": tier["name"], "price": self._sync_price(tier.get("price"))}
                if tier.get("until"):
                    tier_vals.update(kind="date", date_end=fields.Datetime.to_datetime(tier["until"]))
                elif isinstance(tier.get("first_sold"), int) and tier["first_sold"] > 0:
                    tier_vals.update(kind="sold", sold_limit=tier["first_sold"])
                else:
                    raise CityTicketError("invalid_tiers", _("Each tier needs 'until' or a positive 'first_sold'."))
                tiers.append(tier_vals)
            vals["city_tier_ids"] = tiers
        if not vals:
            raise CityTicketError("nothing_to_update", _("Send a quota, a price or tiers."))
        return vals

    @api.model
    def _sync_price(self, price):
        if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0 or price > 10**7:
            raise CityTicketError("invalid_price", _("Prices are non-negative numbers in yuan."))
        if round(price * 100) != round(price * 100, 6):
            raise CityTicketError("invalid_price", _("Prices have at most two decimals."))
        return price
