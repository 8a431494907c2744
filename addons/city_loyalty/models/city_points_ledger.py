# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import csv
import io

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access

KINDS = [
    ("earn", "Earned"),
    ("spend", "Spent"),
    ("expire", "Expired"),
    ("adjust", "Adjusted"),
    ("transfer_in", "Transferred In"),
    ("transfer_out", "Transferred Out"),
]
LOT_STATES = [("open", "Open"), ("consumed", "Used"), ("expired", "Expired")]

# The guard of the ledger's and the wallets' writes: the wallet's posting puts this object
# in the context (key ``city_loyalty_post``) and the guards compare it by identity. A
# context sent over RPC only holds JSON values, so no request can forge it (OCA queue_job
# guards its job records the same way).
POSTING = object()


def _copy_rows(cr, table, columns, rows):
    """Bulk insert with COPY (the purchase hot path: ~10× fewer round trips and no SQL parsing per row).

    Rows are written by the C ``csv`` writer in PostgreSQL's CSV format: ``None``
    is an unquoted empty field, i.e. NULL (empty strings become NULL too, as the
    ORM would read them back as False anyway). ``table`` and ``columns`` are
    names of this module's tables and fields, never user input.
    """
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows(rows)
    buffer.seek(0)
    statement = SQL(
        "COPY %s (%s) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t')",
        SQL.identifier(table),
        SQL(", ").join(map(SQL.identifier, columns)),
    )
    cr._obj.copy_expert(statement.code, buffer)


def posting_context(records):
    """``records`` with the posting guard opened (for the wallet's own writes only)."""
    return records.with_context(city_loyalty_post=POSTING)


def is_posting(env):
    """Whether ``env`` carries the posting guard (a context sent over RPC never does)."""
    return env.context.get("city_loyalty_post") is POSTING


class CityPointsLedger(models.Model):
    """Append-only points ledger (lean: no mail.thread, no write, no unlink).

    Lines are inserted by ``city.points.wallet._post_entries`` only. A merchant
    user sees the lines of points their merchant issued or accepted.
    """

    _name = "city.points.ledger"
    _description = "Points Ledger Line"
    _log_access = False  # lean: its own date, inserted in bulk on the hot path
    _order = "date desc, id desc"
    _rec_name = "kind"

    # Indexed by the (wallet_id, event_key) unique constraint. Member and company are the wallet's:
    # not stored again, so the hot path checks one foreign key instead of three per line.
    wallet_id = fields.Many2one("city.points.wallet", required=True, ondelete="restrict", readonly=True)
    partner_id = fields.Many2one(related="wallet_id.partner_id", string="Member")
    company_id = fields.Many2one(related="wallet_id.company_id")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    points = fields.Integer(required=True, readonly=True)
    balance_after = fields.Integer(readonly=True)
    date = fields.Datetime(required=True, index=True, readonly=True, default=fields.Datetime.now)
    event_key = fields.Char(readonly=True, help="Identifies the event that earned: the same event never earns twice.")
    merchant_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        help="The merchant that issued (earn, and the points received by a transfer) or accepted (spend) these points.",
    )
    rule_id = fields.Many2one("city.points.rule", ondelete="restrict", readonly=True)
    source_ref = fields.Char(string="Source Document", readonly=True)
    note = fields.Char(readonly=True)
    value_fen = fields.Integer(string="Value (fen)", readonly=True, help="Money booked for these points, in fen.")
    spend_fen = fields.Integer(string="Purchase (fen)", readonly=True)
    booking_id = fields.Many2one("city.points.booking", readonly=True, ondelete="restrict")
    consumption_ids = fields.One2many("city.points.lot.consumption", "ledger_id", readonly=True)
    # A line that adds points is a lot (city.points.lot shows these columns): what is left of it,
    # since when (FIFO order; a transfer keeps the original date) and until when.
    lot_remaining = fields.Integer(readonly=True)
    lot_date = fields.Datetime(string="Lot Earned On", readonly=True)
    expiry_date = fields.Date(index="btree_not_null", readonly=True)
    lot_state = fields.Selection(LOT_STATES, readonly=True)
    lot_notified = fields.Boolean(string="Expiry Notified", readonly=True)

    _sql_constraints = [
        ("event_key_uniq", "unique(wallet_id, event_key)", "This event has already earned points."),
        ("points_not_zero", "CHECK(points != 0)", "A ledger line moves points."),
        (
            "lot_remaining_range",
            "CHECK(lot_remaining IS NULL OR (lot_remaining >= 0 AND lot_remaining <= points))",
            "A lot's remaining points are out of range.",
        ),
        (
            "points_sign",
            "CHECK((kind IN ('earn', 'transfer_in') AND points > 0) OR (kind IN ('spend', 'expire', 'transfer_out') "
            "AND points < 0) OR kind = 'adjust')",
            "Earnings are positive and spending negative.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        # Only the wallet's locked posting (or a benchmark baseline) writes ledger lines.
        if not is_posting(self.env):
            raise UserError(self.env._("Ledger lines are written by the points wallet only."))
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - {"booking_id", "value_fen", "lot_notified"} or not is_posting(self.env):
            raise UserError(self.env._("The points ledger is append-only: lines cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_append_only(self):
        raise UserError(self.env._("The points ledger is append-only: lines cannot be deleted."))

    # ------------------------------------------------------------
    # THE LEDGER WRITER (called by city.points.wallet._post_entries only)
    # ------------------------------------------------------------

    @api.model
    def _next_ids(self, count, table="city_points_ledger"):
        """Reserve ``count`` ids of ``table``'s sequence (COPY cannot return them)."""
        self.env.cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"{table}_id_seq", count))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _write_lines(self, rows):
        """Insert ledger lines: ``rows`` are dicts of column values, all with the same keys (ids included).

        Raw SQL on purpose (COPY): this is the hot path of every purchase and spend.
        The rows carry the columns the ORM would write; the caller invalidates.
        """
        if not is_posting(self.env):
            raise UserError(self.env._("Ledger lines are written by the points wallet only."))
        if not rows:
            return
        columns = list(rows[0])
        unknown = [name for name in columns if name not in self._fields or not self._fields[name].store]
        if unknown:
            raise UserError(self.env._("Unknown ledger columns: %s", ", ".join(unknown)))
        _copy_rows(self.env.cr, self._table, columns, [[row[name] for name in columns] for row in rows])

    @api.model
    def _write_consumptions(self, consumptions):
        """Insert lot consumptions: tuples ``(lot id, ledger id, wallet id, points)``."""
        if consumptions:
            _copy_rows(
                self.env.cr, "city_points_lot_consumption", ("lot_id", "ledger_id", "wallet_id", "points"), consumptions
            )

    @api.model
    def _write_lot_remaining(self, lots):
        """Set what is left of lots: tuples ``(lot id, remaining, kind of the consuming line)``."""
        if not lots:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE city_points_ledger AS lot
                   SET lot_remaining = v.remaining,
                       lot_state = CASE WHEN v.remaining > 0 THEN 'open'
                                        WHEN v.kind = 'expire' THEN 'expired' ELSE 'consumed' END
                  FROM (VALUES %s) AS v(id, remaining, kind)
                 WHERE lot.id = v.id
                """,
                SQL(", ").join(SQL("(%s, %s, %s)", lot_id, remaining, kind) for lot_id, remaining, kind in lots),
            )
        )

    def action_open_source(self):
        access.check_groups(self.env, *access.ANY_ROLE)
        self.ensure_one()
        self.check_access("read")
        if not self.source_ref or "," not in self.source_ref:
            return False
        model, res_id = self.source_ref.split(",", 1)
        if model not in self.env or not res_id.isdigit():
            return False
        return {"type": "ir.actions.act_window", "res_model": model, "res_id": int(res_id), "view_mode": "form"}

    def _api_values(self):
        """Serializable values of ledger lines for the member API."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        return [
            {
                "id": line.id,
                "date": fields.Datetime.to_string(line.date),
                "kind": line.kind,
                "kind_label": kinds[line.kind],
                "points": line.points,
                "balance_after": line.balance_after,
                "merchant": line.merchant_id.name or None,
                "note": line.note or None,
            }
            for line in self
        ]
