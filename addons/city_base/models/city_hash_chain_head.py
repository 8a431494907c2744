# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.tools import SQL

from ..tools import access
from .city_hash_chain_mixin import CityHashChainMixin

_logger = logging.getLogger(__name__)


class CityHashChainHead(models.Model):
    """The head (last position and hash) of one evidence chain.

    Appending to a chain locks its head row (``SELECT … FOR UPDATE``), which
    serialises appenders of the same chain; the head also lets verification
    notice records cut off the end of a chain. Operators are notified here
    (message and activity) when the nightly check finds a broken chain.
    """

    _name = "city.hash.chain.head"
    _description = "Evidence Chain"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"

    name = fields.Char(string="Chain", required=True, readonly=True)
    res_model = fields.Char(string="Model", required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, ondelete="restrict")
    last_sequence = fields.Integer(string="Last Position", readonly=True)
    last_hash = fields.Char(readonly=True)
    last_check_date = fields.Datetime(string="Last Check", readonly=True)
    last_check_ok = fields.Boolean(string="Intact", readonly=True)
    last_check_message = fields.Text(string="Last Check Result", readonly=True)

    _sql_constraints = [("name_unique", "UNIQUE(name)", "An evidence chain exists only once.")]

    # ------------------------------------------------------------------
    # Chain heads (called by city.hash.chain.mixin)
    # ------------------------------------------------------------------

    @api.model
    def _lock_head(self, key, res_model, company_id=False):
        """Lock the head row of chain ``key`` (created when missing); return ``(sequence, hash)``."""
        query = SQL("SELECT last_sequence, last_hash FROM city_hash_chain_head WHERE name = %s FOR UPDATE", key)
        self.env.cr.execute(query)
        row = self.env.cr.fetchone()
        if row is None:
            self.env.cr.execute(
                SQL(
                    """INSERT INTO city_hash_chain_head
                           (name, res_model, company_id, last_sequence, create_uid, create_date, write_uid, write_date)
                    VALUES (%s, %s, %s, 0, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
                    ON CONFLICT (name) DO NOTHING""",
                    key,
                    res_model,
                    company_id or None,
                    self.env.uid,
                    self.env.uid,
                )
            )
            self.env.cr.execute(query)
            row = self.env.cr.fetchone()
        return row[0] or 0, row[1]

    @api.model
    def _set_head(self, key, sequence, chain_hash):
        self.env.cr.execute(
            SQL(
                """UPDATE city_hash_chain_head
                      SET last_sequence = %s, last_hash = %s, write_uid = %s, write_date = now() at time zone 'UTC'
                    WHERE name = %s""",
                sequence,
                chain_hash,
                self.env.uid,
                key,
            )
        )
        self.invalidate_model(["last_sequence", "last_hash"])

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------

    @api.model
    def _hash_chain_model_names(self):
        """Every concrete model inheriting ``city.hash.chain.mixin``."""
        return sorted(
            name
            for name, model_class in self.env.registry.items()
            if not model_class._abstract and not model_class._transient and issubclass(model_class, CityHashChainMixin)
        )

    @api.model
    def _cron_verify_hash_chains(self):
        """Nightly: verify every evidence chain, log the result, notify operators of a break.

        :return: the list of results of ``_verify_hash_chain`` (one per model)
        """
        results = []
        for model_name in self._hash_chain_model_names():
            result = self.env[model_name].sudo()._verify_hash_chain()
            results.append(result)
            self._record_check(result)
            if not result["ok"]:
                _logger.error("Evidence chain check failed for %s: %s", model_name, result["message"])
                self._notify_broken_chain(result)
        return results

    @api.model
    def _record_check(self, result):
        now = fields.Datetime.now()
        heads = self.sudo().search([("res_model", "=", result["model"])])
        for head in heads:
            broken = not result["ok"] and head.name == result["chain"]
            head.write(
                {
                    "last_check_date": now,
                    "last_check_ok": not broken,
                    "last_check_message": result["message"],
                }
            )
        self.env["city.hash.chain.check"].sudo().create(
            {
                "check_date": now,
                "res_model": result["model"],
                "chain_key": result["chain"] or False,
                "state": "ok" if result["ok"] else "broken",
                "record_count": result["checked"],
                "broken_res_id": result["record"].id if result["record"] else 0,
                "message": result["message"],
            }
        )

    @api.model
    def _notify_broken_chain(self, result):
        """Post the result on the chain's head and give each operator a to-do (once while open)."""
        head = self.sudo().search([("name", "=", result["chain"])], limit=1)
        if not head:
            head = self.sudo().create({"name": result["chain"], "res_model": result["model"]})
        operators = (
            self.env.ref("city_base.group_operator")
            .sudo()
            .users.filtered(lambda user: user.active and not user.share and user.id != SUPERUSER_ID)
        )
        head.message_post(
            body=result["message"],
            subject=_("Evidence chain broken"),
            partner_ids=operators.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        summary = _("Evidence chain broken")
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for user in operators:
            if not head.activity_ids.filtered(lambda a, user=user: a.user_id == user and a.summary == summary):
                head.activity_schedule(
                    activity_type_id=todo.id if todo else False,
                    summary=summary,
                    note=result["message"],
                    user_id=user.id,
                )

    def action_verify(self):
        """Verify the chains of this head's model now and show the result."""
        access.check_groups(self.env, *access.PLATFORM)
        self.ensure_one()
        self.check_access("read")
        chained_sudo = self.env[self.res_model].sudo()  # operators verify chains of records they may not read
        result = chained_sudo._verify_hash_chain()
        self._record_check(result)
        action = chained_sudo._hash_chain_notification(result)
        action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action
