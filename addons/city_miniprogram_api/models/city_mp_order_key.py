# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.tools import SQL

from .city_mp_error import MpError


class CityMpOrderKey(models.Model):
    """The ``Idempotency-Key`` of an order creation or a points-mall redemption: one row
    per (member, key); a redemption's key is stored as ``redeem:<key>`` with its answer.

    Inserted if absent (``ON CONFLICT DO NOTHING``) in the transaction that
    creates the order: a second request with the same key waits for the first
    on the unique index, then finds its order (Odoo re-runs it after the
    serialization failure) and answers the same order; a different body under
    the same key is refused.
    """

    _name = "city.mp.order.key"
    _description = "Mini-program Order Idempotency Key"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", readonly=True)
    key = fields.Char(required=True, readonly=True)
    body_hash = fields.Char(required=True, readonly=True)
    order_id = fields.Many2one("sale.order", ondelete="cascade", readonly=True)
    result = fields.Json(readonly=True, help="The answer of a redemption, repeated for the same key.")
    create_date = fields.Datetime(readonly=True, default=fields.Datetime.now)

    _sql_constraints = [("partner_key_uniq", "UNIQUE(partner_id, key)", "An idempotency key is used once.")]

    @api.model
    def _claim(self, partner, key, body_hash):
        """``(key row, None)`` for a new key, or ``(None, order)`` for a replay of the same body."""
        key_sudo, existing_sudo = self._insert_or_find(partner, key, body_hash)
        if key_sudo:
            return key_sudo, None
        if not existing_sudo.order_id:
            raise MpError("busy", _("This order is still being created: retry."), status=429, retry_after=1)
        return None, existing_sudo.order_id

    def _set_order(self, order):
        """Record the order the key's request created (one plain statement: no flush of the ORM's)."""
        self.ensure_one()
        self.env.cr.execute(SQL("UPDATE city_mp_order_key SET order_id = %s WHERE id = %s", order.id, self.id))
        self.invalidate_recordset(["order_id"])

    @api.model
    def _claim_result(self, partner, key, body_hash):
        """As :meth:`_claim` for an answer (``result``) instead of an order: ``(key row, None)``
        or ``(None, the first answer)``."""
        key_sudo, existing_sudo = self._insert_or_find(partner, key, body_hash)
        if key_sudo:
            return key_sudo, None
        if existing_sudo.result is None:
            raise MpError("busy", _("This request is still being processed: retry."), status=429, retry_after=1)
        return None, existing_sudo.result

    @api.model
    def _insert_or_find(self, partner, key, body_hash):
        self.env.cr.execute(
            SQL(
                """INSERT INTO city_mp_order_key (partner_id, key, body_hash, create_date)
                   VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC')
                   ON CONFLICT (partner_id, key) DO NOTHING RETURNING id""",
                partner.id,
                key,
                body_hash,
            )
        )
        row = self.env.cr.fetchone()
        if row:
            return self.sudo().browse(row[0]), None
        existing_sudo = self.sudo().search([("partner_id", "=", partner.id), ("key", "=", key)], limit=1)
        if existing_sudo.body_hash != body_hash:
            raise MpError(
                "idempotency_conflict",
                _("This Idempotency-Key was already used for a different request."),
                status=409,
            )
        return None, existing_sudo

    @api.autovacuum
    def _gc_keys(self):
        self.env.cr.execute("DELETE FROM city_mp_order_key WHERE create_date < now() - interval '7 days'")
