# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json
import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import access, hashchain

_logger = logging.getLogger(__name__)

CHAIN_FIELDS = frozenset({"chain_sequence", "chain_previous_hash", "chain_content_hash", "chain_hash"})
VERIFY_BATCH = 1000


def hash_chain_value(record, fname):
    """Canonical value of field ``fname`` of ``record`` (one record) for hashing.

    Many2one → id (``None`` when empty), x2many → sorted ids, Monetary → exact
    string with the currency's decimal places, Float with digits → exact string
    with that scale, dates → ISO strings, Reference → ``"model,id"``.
    """
    field = record._fields[fname]
    value = record[fname]
    ftype = field.type
    if ftype == "many2one":
        return value.id or None
    if ftype in ("one2many", "many2many"):
        return sorted(value.ids)
    if ftype == "boolean":
        return bool(value)
    if ftype == "integer" or ftype == "many2one_reference":
        return int(value or 0)
    if ftype == "monetary":
        currency = record[field.get_currency_field(record)] if field.get_currency_field(record) else None
        digits = currency.decimal_places if currency else 2
        return hashchain.decimal_str(value, digits)
    if ftype == "float":
        digits = field.get_digits(record.env)
        if digits and digits[1] is not None:
            return hashchain.decimal_str(value, digits[1])
        return repr(float(value or 0.0))
    if ftype == "date":
        return fields.Date.to_string(value) if value else None
    if ftype == "datetime":
        return fields.Datetime.to_string(value) if value else None
    if ftype == "reference":
        return f"{value._name},{value.id}" if value else None
    if ftype in ("json", "properties"):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    if ftype in ("char", "text", "html", "selection"):
        return str(value) if value else None
    raise UserError(record.env._("Field %(field)s of type %(type)s cannot be hashed.", field=fname, type=ftype))


class CityHashChainMixin(models.AbstractModel):
    """Append-only evidence chain of records.

    Every record of an inheriting model is hashed when it is created: it stores
    the SHA-256 of its content (the fields listed by :meth:`_hash_chain_fields`)
    and the hash of the previous record of the same chain, so changing,
    deleting or inserting a record behind the application's back breaks the
    chain at that record. A chain is per model, or per model and company when
    the model sets ``_hash_chain_per_company = True``.

    Inheriting models override:

    - ``_hash_chain_fields()`` (required): names of the fields that are hashed
      and become read-only once the record is chained;
    - ``_hash_chain_ready()`` (optional): the records of ``self`` to chain when
      created (default: all); others are chained later with
      ``_hash_chain_append()`` (e.g. on confirmation);
    - ``_hash_chain_expected_domain()`` (optional): records that must be in the
      chain (default: all); an unchained one is reported as inserted.

    ``_verify_hash_chain()`` walks the chain and names the first altered record;
    the nightly cron ``city.hash.chain.head._cron_verify_hash_chains`` checks
    every model inheriting this mixin.
    """

    _name = "city.hash.chain.mixin"
    _description = "Evidence Chain Mixin"
    _hash_chain_per_company = False

    chain_sequence = fields.Integer(string="Evidence Chain Position", readonly=True, copy=False, index="btree_not_null")
    chain_previous_hash = fields.Char(string="Evidence Previous Hash", readonly=True, copy=False)
    chain_content_hash = fields.Char(string="Evidence Content Hash", readonly=True, copy=False)
    chain_hash = fields.Char(string="Evidence Chain Hash", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _hash_chain_fields(self):
        """Names of the fields whose values are hashed (and protected once chained)."""
        return []

    def _hash_chain_ready(self):
        """The records of ``self`` to chain as soon as they are created."""
        return self

    @api.model
    def _hash_chain_expected_domain(self):
        """Domain of the records that must be chained (unchained ones are reported)."""
        return []

    def _hash_chain_key(self):
        """The chain this record belongs to: the model, or the model and its company."""
        self.ensure_one()
        if self._hash_chain_per_company:
            return f"{self._name}/{self.company_id.id or 0}"
        return self._name

    def _hash_chain_content(self):
        """The mapping hashed for this record: its id and every hashed field."""
        self.ensure_one()
        content = {"id": self.id}
        for fname in self._hash_chain_fields():
            content[fname] = hash_chain_value(self, fname)
        return content

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if CHAIN_FIELDS.intersection(vals):
                raise UserError(_("The evidence chain fields are set by the application only."))
        records = super().create(vals_list)
        records._hash_chain_ready()._hash_chain_append()
        return records

    def write(self, vals):
        if CHAIN_FIELDS.intersection(vals):
            raise UserError(_("The evidence chain fields are set by the application only."))
        protected = set(self._hash_chain_fields()).intersection(vals)
        if protected:
            chained = self.filtered("chain_sequence")
            if chained:
                labels = ", ".join(sorted(self._fields[f]._description_string(self.env) for f in protected))
                raise UserError(
                    _(
                        "%(record)s is in the evidence chain: %(fields)s can no longer be changed.",
                        record=chained[0].display_name,
                        fields=labels,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_hash_chained(self):
        chained = self.filtered("chain_sequence")
        if chained:
            raise UserError(
                _("%(record)s is in the evidence chain and cannot be deleted.", record=chained[0].display_name)
            )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _hash_chain_append(self):
        """Append the unchained records of ``self`` to their chains, in id order.

        Serialised per chain by a row lock on the chain's head
        (``city.hash.chain.head``): concurrent appenders wait, and one whose
        snapshot predates the other's commit gets a serialization failure that
        Odoo retries, so a chain never forks.
        """
        records = self.filtered(lambda r: not r.chain_sequence)
        if not records:
            return
        records.flush_recordset()
        by_key = defaultdict(lambda: self.browse())
        for record in records.sorted("id"):
            by_key[record._hash_chain_key()] |= record
        Head = self.env["city.hash.chain.head"].sudo()
        reader = records.sudo().with_context(lang="en_US", active_test=False)
        for key in sorted(by_key):  # always the same order: no deadlock between chains
            chain_records = reader.browse(by_key[key].ids)
            company_id = chain_records[:1].company_id.id if self._hash_chain_per_company else False
            head_sequence, head_hash = Head._lock_head(key, self._name, company_id)
            links = hashchain.extend(head_sequence, head_hash, [r._hash_chain_content() for r in chain_records])
            for start in range(0, len(links), VERIFY_BATCH):
                values = SQL(", ").join(
                    SQL(
                        "(%s, %s, %s, %s, %s)",
                        rec.id,
                        link.sequence,
                        link.previous_hash,
                        link.content_hash,
                        link.chain_hash,
                    )
                    for rec, link in zip(
                        chain_records[start : start + VERIFY_BATCH], links[start : start + VERIFY_BATCH], strict=True
                    )
                )
                self.env.cr.execute(
                    SQL(
                        """UPDATE %(table)s AS t
                              SET chain_sequence = v.seq, chain_previous_hash = v.prev,
                                  chain_content_hash = v.content, chain_hash = v.chain
                             FROM (VALUES %(values)s) AS v(id, seq, prev, content, chain)
                            WHERE t.id = v.id AND t.chain_sequence IS NULL""",
                        table=SQL.identifier(self._table),
                        values=values,
                    )
                )
            Head._set_head(key, links[-1].sequence, links[-1].chain_hash)
        records.invalidate_recordset(list(CHAIN_FIELDS))

    @api.model
    def _hash_chain_keys(self):
        """Every chain of this model: those with a head and those with chained records."""
        keys = set(self.env["city.hash.chain.head"].sudo().search([("res_model", "=", self._name)]).mapped("name"))
        if self._hash_chain_per_company:
            self.env.cr.execute(
                SQL(
                    "SELECT DISTINCT COALESCE(company_id, 0) FROM %s WHERE chain_sequence IS NOT NULL",
                    SQL.identifier(self._table),
                )
            )
            keys.update(f"{self._name}/{company_id}" for (company_id,) in self.env.cr.fetchall())
        else:
            keys.add(self._name)
        return sorted(keys)

    @api.model
    def _hash_chain_key_domain(self, key):
        if self._hash_chain_per_company:
            company_id = int(key.rsplit("/", 1)[1])
            return [("company_id", "=", company_id or False)]
        return []

    @api.model
    def _verify_hash_chain(self, raise_if_broken=False):
        """Walk every chain of the model and name the first altered record.

        :param bool raise_if_broken: raise a ``UserError`` with the message
            instead of returning it
        :return: dict with ``ok`` (bool), ``model``, ``chain`` (key), ``checked``
            (records checked), ``record`` (the first altered record, or an empty
            recordset when the end of the chain was cut off), ``sequence``
            (its position), ``reason`` (``content``, ``link``, ``missing``,
            ``inserted``, ``tail``, ``unchained``) and ``message``
        """
        model = self.sudo().with_context(lang="en_US", active_test=False)
        Head = self.env["city.hash.chain.head"].sudo()
        self.env.flush_all()
        checked = 0
        for key in self._hash_chain_keys():
            key_domain = self._hash_chain_key_domain(key)
            head = Head.search([("name", "=", key)], limit=1)
            self.env.cr.execute(
                model._search([*key_domain, ("chain_sequence", "!=", False)], order="chain_sequence, id").select()
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            checked += len(ids)

            def entries(ids=ids):
                for start in range(0, len(ids), VERIFY_BATCH):
                    batch = model.browse(ids[start : start + VERIFY_BATCH])
                    batch.invalidate_recordset()
                    for record in batch:
                        yield (
                            record.id,
                            record.chain_sequence,
                            record.chain_previous_hash,
                            record.chain_content_hash,
                            record.chain_hash,
                            record._hash_chain_content(),
                        )
                    batch.invalidate_recordset()

            found = hashchain.verify(entries(), head=(head.last_sequence, head.last_hash) if head else None)
            if found:
                return self._hash_chain_result(key, checked, found.ref, found.sequence, found.reason, raise_if_broken)
            unchained = model.search(
                self._hash_chain_expected_domain() + key_domain + [("chain_sequence", "=", False)], order="id", limit=1
            )
            if unchained:
                return self._hash_chain_result(key, checked, unchained.id, None, "unchained", raise_if_broken)
        return {
            "ok": True,
            "model": self._name,
            "chain": False,
            "checked": checked,
            "record": self.browse(),
            "sequence": False,
            "reason": False,
            "message": _(
                "%(count)s records of %(model)s checked: the evidence chain is intact.",
                count=checked,
                model=self._description,
            ),
        }

    @api.model
    def _hash_chain_result(self, key, checked, record_id, sequence, reason, raise_if_broken):
        record = self.browse(record_id) if record_id else self.browse()
        name = f"{self._description} #{record_id}" if record_id else ""
        args = {"chain": key, "record": name, "sequence": sequence or "-"}
        if reason == "content":
            message = _(
                "Evidence chain %(chain)s is broken: %(record)s (position %(sequence)s) was altered, "
                "its content no longer matches its hash.",
                **args,
            )
        elif reason == "link":
            message = _(
                "Evidence chain %(chain)s is broken: the hashes of %(record)s (position %(sequence)s) "
                "do not link to the previous record.",
                **args,
            )
        elif reason == "missing":
            message = _(
                "Evidence chain %(chain)s is broken: the record at position %(sequence)s was deleted "
                "(the chain resumes at %(record)s).",
                **args,
            )
        elif reason == "inserted":
            message = _(
                "Evidence chain %(chain)s is broken: %(record)s was inserted outside the application "
                "(at position %(sequence)s).",
                **args,
            )
        elif reason == "tail":
            message = _(
                "Evidence chain %(chain)s is broken: the records from position %(sequence)s to the end were deleted.",
                **args,
            )
        else:
            message = _(
                "Evidence chain %(chain)s is broken: %(record)s is not in the chain "
                "(inserted outside the application).",
                **args,
            )
        if raise_if_broken:
            raise UserError(message)
        return {
            "ok": False,
            "model": self._name,
            "chain": key,
            "checked": checked,
            "record": record,
            "sequence": sequence or False,
            "reason": reason,
            "message": message,
        }

    def action_verify_hash_chain(self):
        """Verify the model's evidence chains and show the result to the user."""
        access.check_groups(self.env, *access.PLATFORM)
        return self._hash_chain_notification(self._verify_hash_chain())

    @api.model
    def _hash_chain_notification(self, result):
        """The client action showing a verification ``result`` as a notification."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Evidence chain"),
                "message": result["message"],
                "type": "success" if result["ok"] else "danger",
                "sticky": not result["ok"],
            },
        }
