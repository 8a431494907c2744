# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Posting: the one operation that changes points balances, in overridable steps."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .city_points_ledger import posting_context

POSITIVE_KINDS = ("earn", "adjust", "transfer_in")
NEGATIVE_KINDS = ("spend", "expire", "adjust", "transfer_out")


class Posting:
    """The state of one :meth:`CityPointsWallet._post_entries`, handed from step to step.

    Overrides of the steps read it and may keep their own attributes on it.
    """

    def __init__(self, entries, on_duplicate="raise", nowait=False, book=False, keys_checked=False):
        self.entries = entries
        self.on_duplicate = on_duplicate
        self.nowait = nowait
        self.book = book
        self.keys_checked = keys_checked
        self.now = fields.Datetime.now()
        self.today = None  # the posting user's today, set when the wallets are locked
        self.wallets = None
        self.balances = {}  # wallet id: balance, moved entry by entry
        self.company_by_wallet, self.partner_by_wallet, self.validity_by_wallet = {}, {}, {}
        self.accepted, self.skipped = [], []
        self.open_lots, self.lot_by_id = {}, {}  # wallet id: [lot dicts, oldest first]; lot id: lot dict
        self.touched_lots = {}  # lot id: (lot dict, kind of the consuming entry)
        self.balance_after = {}  # id(entry): the wallet's balance after it
        self.consumed = {}  # id(entry): [(lot dict, points taken)]
        self.bookings = None


class CityPointsWallet(models.Model):
    _inherit = "city.points.wallet"

    # ------------------------------------------------------------
    # POSTING: the one method that changes balances, in overridable steps
    # ------------------------------------------------------------

    @api.model
    def _post_entries(self, entries, on_duplicate="raise", nowait=False, book=False, keys_checked=False):
        """Append ledger lines and move balances, atomically, under the wallet locks.

        :param entries: list of dicts with ``wallet_id``, ``kind`` (earn, spend,
            expire, adjust, transfer_in, transfer_out), ``points`` (signed int,
            not 0) and optionally ``event_key`` (unique per wallet: the same
            event never counts twice), ``merchant_id``, ``rule_id``,
            ``source_ref`` ("model,id"), ``note``, ``value_fen``, ``spend_fen``,
            ``expiry_date`` / ``lot_date`` / ``lot_merchant_id`` (positive
            entries: the lot they create) and ``lot_ids`` (expiry: exactly the
            lots to consume; other negative entries consume the oldest lots first).
            Modules that add ledger columns pass their own keys and write them in
            :meth:`_prepare_ledger_vals`.
        :param on_duplicate: ``"raise"`` a UserError or ``"skip"`` entries whose
            event key is already on the ledger (or twice in the batch).
        :param nowait: fail at once with :class:`CityPointsBusy` if a wallet is locked.
        :param keys_checked: the caller holds the wallet locks and has already
            refused the event keys on the ledger or repeated in ``entries``
            (batch earning): no second lookup; the unique index still guards.
        :param book: book the points money of merchant entries through city_settlement
            (``city.points.booking``): issue, redeem, expire, in the wallet's company.
        :return: (ledger lines, skipped entries)

        The steps, each a method to override (call ``super()``): validate
        (:meth:`_post_check_entries`), lock (:meth:`_post_lock`), refuse
        duplicates (:meth:`_post_dedupe`), read the open lots
        (:meth:`_post_read_lots`), move balances and consume lots
        (:meth:`_post_apply`), price the money (:meth:`_post_prepare_bookings`),
        write (:meth:`_post_write`, rows from :meth:`_prepare_ledger_vals`) and
        hand the money to settlement (:meth:`_post_finish`).
        """
        Ledger = self.env["city.points.ledger"]
        if not entries:
            return Ledger, []
        posting = Posting(entries, on_duplicate=on_duplicate, nowait=nowait, book=book, keys_checked=keys_checked)
        self._post_check_entries(posting)
        self._post_lock(posting)
        self._post_dedupe(posting)
        if not posting.accepted:
            return Ledger, posting.skipped
        self._post_read_lots(posting)
        self._post_apply(posting)
        posting.bookings = self._post_prepare_bookings(posting)
        lines = self._post_write(posting)
        self._post_finish(posting)
        return lines, posting.skipped

    @api.model
    def _post_check_entries(self, posting):
        """Refuse malformed entries before anything is locked."""
        for entry in posting.entries:
            points = entry.get("points")
            if not isinstance(points, int) or isinstance(points, bool) or not points:
                raise UserError(self.env._("Points must be a non-zero whole number."))
            kind = entry.get("kind")
            if (points > 0 and kind not in POSITIVE_KINDS) or (points < 0 and kind not in NEGATIVE_KINDS):
                raise UserError(self.env._("Invalid points movement: %(kind)s %(points)s.", kind=kind, points=points))

    @api.model
    def _post_lock(self, posting):
        """Lock the wallets of the entries; read their balances, companies and members."""
        self.env.flush_all()
        wallets = self.browse({e["wallet_id"] for e in posting.entries})
        posting.balances = wallets._lock_rows(nowait=posting.nowait)
        if len(posting.balances) != len(wallets):
            raise UserError(self.env._("Unknown points wallet."))
        posting.wallets = wallets
        posting.today = fields.Date.context_today(self)
        posting.company_by_wallet = {w.id: w.company_id for w in wallets}
        posting.partner_by_wallet = {w.id: w.partner_id.id for w in wallets}
        posting.validity_by_wallet = {w.id: w.company_id.city_points_validity_days for w in wallets}

    @api.model
    def _post_dedupe(self, posting):
        """Split the entries into accepted and skipped: an event key counts once per wallet.

        Checked under the wallet locks, backed by the ledger's unique index.
        """
        keys = [e["event_key"] for e in posting.entries if e.get("event_key")]
        existing = set()
        if keys and not posting.keys_checked:
            self.env.cr.execute(
                SQL(
                    "SELECT wallet_id, event_key FROM city_points_ledger "
                    "WHERE wallet_id = ANY(%s) AND event_key = ANY(%s)",
                    posting.wallets.ids,
                    keys,
                )
            )
            existing = set(self.env.cr.fetchall())
        for entry in posting.entries:
            key = entry.get("event_key") and (entry["wallet_id"], entry["event_key"])
            if key and key in existing:
                if posting.on_duplicate == "raise":
                    raise UserError(self.env._("This event has already earned points."))
                posting.skipped.append(entry)
                continue
            if key:
                existing.add(key)
            posting.accepted.append(entry)

    @api.model
    def _post_read_lots(self, posting):
        """The open lots of the wallets that spend, oldest first."""
        spenders = sorted({e["wallet_id"] for e in posting.accepted if e["points"] < 0})
        if not spenders:
            return
        self.env.cr.execute(
            SQL(
                """SELECT id, wallet_id, lot_remaining, merchant_id FROM city_points_ledger
                    WHERE wallet_id = ANY(%s) AND lot_remaining > 0 ORDER BY lot_date, id""",
                spenders,
            )
        )
        for lot_id, wallet_id, remaining, merchant_id in self.env.cr.fetchall():
            lot = {"id": lot_id, "wallet_id": wallet_id, "remaining": remaining, "merchant_id": merchant_id}
            posting.open_lots.setdefault(wallet_id, []).append(lot)
            posting.lot_by_id[lot_id] = lot

    @api.model
    def _post_apply(self, posting):
        """Move the balances entry by entry; negative entries consume lots (given ones, else oldest first)."""
        balances = posting.balances
        for entry in posting.accepted:
            wallet_id, points = entry["wallet_id"], entry["points"]
            balance = balances[wallet_id] + points
            if balance < 0:
                raise UserError(
                    self.env._(
                        "Not enough points: the balance is %(balance)s, %(points)s needed.",
                        balance=balances[wallet_id],
                        points=-points,
                    )
                )
            balances[wallet_id] = balance
            posting.balance_after[id(entry)] = balance
            if points > 0:
                continue
            needed, consumed = -points, []
            if entry.get("lot_ids"):
                candidates = [posting.lot_by_id[i] for i in entry["lot_ids"] if i in posting.lot_by_id]
            else:
                candidates = posting.open_lots.get(wallet_id, [])
            for lot in candidates:
                if not needed:
                    break
                take = min(lot["remaining"], needed)
                if take <= 0:
                    continue
                lot["remaining"] -= take
                needed -= take
                posting.touched_lots[lot["id"]] = (lot, entry["kind"])
                consumed.append((lot, take))
            if needed:
                # The balance covers it but the lots do not: the books are broken, stop.
                raise UserError(
                    self.env._("The points lots of this wallet do not cover its balance; run the self-check.")
                )
            posting.consumed[id(entry)] = consumed

    @api.model
    def _post_prepare_bookings(self, posting):
        """Price the points money of the accepted entries (sets their ``value_fen`` and ``booking_id``)."""
        Booking = self.env["city.points.booking"]
        if not posting.book:
            return Booking
        return Booking._prepare_entries(posting.accepted, posting.company_by_wallet, posting.partner_by_wallet)

    @api.model
    def _prepare_ledger_vals(self, posting, entry, ledger_id):
        """The column values of the ledger line of ``entry`` (a dict; override to add a column).

        Every row of one posting must have the same keys: a module that adds a
        column adds it to every row (``vals["my_column"] = entry.get("my_key")``).
        """
        wallet_id, points = entry["wallet_id"], entry["points"]
        vals = {
            "id": ledger_id,
            "wallet_id": wallet_id,
            "kind": entry["kind"],
            "points": points,
            "balance_after": posting.balance_after[id(entry)],
            "date": entry.get("date") or posting.now,
            "event_key": entry.get("event_key"),
            "merchant_id": entry.get("merchant_id"),
            "rule_id": entry.get("rule_id"),
            "source_ref": entry.get("source_ref"),
            "note": entry.get("note"),
            "value_fen": entry.get("value_fen", 0),
            "spend_fen": entry.get("spend_fen", 0),
            "booking_id": entry.get("booking_id"),
            "lot_remaining": None,
            "lot_date": None,
            "expiry_date": None,
            "lot_state": None,
            "lot_notified": None,
        }
        if points > 0:
            # The line is a lot: its issuer (a transfer keeps the original one), date and expiry.
            vals["merchant_id"] = entry.get("lot_merchant_id", entry.get("merchant_id"))
            vals["lot_remaining"] = points
            vals["lot_date"] = entry.get("lot_date") or posting.now
            vals["expiry_date"] = entry.get("expiry_date") or posting.today + timedelta(
                days=posting.validity_by_wallet[wallet_id]
            )
            vals["lot_state"] = "open"
            vals["lot_notified"] = False
        return vals

    @api.model
    def _post_write(self, posting):
        """Write the ledger lines, the lot consumptions, what is left of the lots and the balances."""
        Ledger = posting_context(self.env["city.points.ledger"])
        ledger_ids = Ledger._next_ids(len(posting.accepted))
        rows, consumptions = [], []
        for ledger_id, entry in zip(ledger_ids, posting.accepted, strict=True):
            rows.append(self._prepare_ledger_vals(posting, entry, ledger_id))
            consumptions.extend(
                (lot["id"], ledger_id, entry["wallet_id"], take) for lot, take in posting.consumed.get(id(entry), ())
            )
        Ledger._write_lines(rows)
        Ledger._write_consumptions(consumptions)
        Ledger._write_lot_remaining(
            [(lot["id"], lot["remaining"], kind) for lot, kind in posting.touched_lots.values()]
        )
        self._write_balances(posting.balances, posting.now)
        posting.wallets.invalidate_recordset(["balance"])
        self.env["city.points.lot"].invalidate_model()
        Ledger.invalidate_model()
        self.env["city.points.lot.consumption"].invalidate_model()
        return self.env["city.points.ledger"].browse(ledger_ids)

    def _write_balances(self, balances, now):
        """Store the new balances ``{wallet id: balance}`` (the wallets are locked by the posting)."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE city_points_wallet AS w SET balance = v.balance, write_date = %s, write_uid = %s
                  FROM (VALUES %s) AS v(id, balance) WHERE w.id = v.id
                """,
                now,
                self.env.uid,
                SQL(", ").join(SQL("(%s, %s)", wid, bal) for wid, bal in balances.items()),
            )
        )

    @api.model
    def _post_finish(self, posting):
        """After the lines are written: the points money goes to city_settlement."""
        posting.bookings._post_to_settlement()
