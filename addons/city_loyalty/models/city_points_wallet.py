# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import csv
import functools
import gc
import io
import logging
import threading
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access

_logger = logging.getLogger(__name__)

POSITIVE_KINDS = ("earn", "adjust", "transfer_in")
NEGATIVE_KINDS = ("spend", "expire", "adjust", "transfer_out")


def _copy_rows(cr, table, columns, rows):
    """Bulk insert with COPY (the purchase hot path: ~10× fewer round trips and no SQL parsing per row).

    Rows are written by the C ``csv`` writer in PostgreSQL's CSV format: ``None``
    is an unquoted empty field, i.e. NULL (empty strings become NULL too, as the
    ORM would read them back as False anyway). ``table`` and ``columns`` are
    constants of this module, never user input.
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


_gc_lock = threading.Lock()
_gc_pauses = [0, False]  # batches running, whether the first one disabled the collector


def _pause_cyclic_gc(method):
    """Run ``method`` without Python's cyclic garbage collector, then restore it.

    A batch of thousands of purchases allocates hundreds of thousands of small
    objects: full collections in the middle of it cost about a tenth of a
    second each, with the wallet rows locked. Reference counting still frees
    everything; the collector runs again afterwards. Nested and concurrent
    batches are counted so the collector is re-enabled by the last one out.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _gc_lock:
            if not _gc_pauses[0]:
                _gc_pauses[1] = gc.isenabled()
                gc.disable()
            _gc_pauses[0] += 1
        try:
            return method(*args, **kwargs)
        finally:
            with _gc_lock:
                _gc_pauses[0] -= 1
                if not _gc_pauses[0] and _gc_pauses[1]:
                    gc.enable()

    return wrapper


class CityPointsBusy(UserError):
    """The wallet is locked by another transaction (NOWAIT): retry."""


class CityPointsWallet(models.Model):
    """One member's points in one company.

    The balance is stored and guarded by a database CHECK; it only changes in
    :meth:`_post_entries`, which locks the wallet rows, appends ledger lines,
    creates or consumes lots and updates the balance in the same transaction,
    so the balance always equals the sum of the ledger.
    """

    _name = "city.points.wallet"
    _description = "Points Wallet"
    _order = "id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Member", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="restrict"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    balance = fields.Integer(readonly=True, default=0)
    tier_id = fields.Many2one("city.points.tier", readonly=True, ondelete="set null", check_company=True)
    rolling_spend = fields.Monetary(readonly=True, help="Spend over the tier window, as of the last tier update.")
    tier_date = fields.Datetime(string="Tier Updated", readonly=True)
    is_flagged = fields.Boolean(string="Suspicious", readonly=True, index="btree_not_null")
    flag_reason = fields.Char(readonly=True)
    ledger_ids = fields.One2many("city.points.ledger", "wallet_id")
    lot_ids = fields.One2many("city.points.lot", "wallet_id", string="Lots")
    expiring_points = fields.Integer(compute="_compute_expiring", string="Expiring Soon")
    next_expiry_date = fields.Date(compute="_compute_expiring")

    _sql_constraints = [
        ("balance_not_negative", "CHECK(balance >= 0)", "A points balance can never be negative."),
        ("partner_company_uniq", "unique(partner_id, company_id)", "A member has one wallet per company."),
    ]

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    def _compute_expiring(self):
        horizon = fields.Date.context_today(self) + timedelta(days=self.env.company.city_points_notice_days)
        groups = self.env["city.points.lot"]._read_group(
            [("wallet_id", "in", self.ids), ("remaining", ">", 0), ("expiry_date", "<=", horizon)],
            ["wallet_id"],
            ["remaining:sum", "expiry_date:min"],
        )
        data = {wallet: (points, day) for wallet, points, day in groups}
        for wallet in self:
            wallet.expiring_points, wallet.next_expiry_date = data.get(wallet, (0, False))

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def write(self, vals):
        if "balance" in vals and not self.env.context.get("city_loyalty_post"):
            raise UserError(self.env._("A points balance only changes through its ledger."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        if self.env["city.points.ledger"].sudo().search_count([("wallet_id", "in", self.ids)], limit=1):
            raise UserError(self.env._("A wallet with ledger lines cannot be deleted."))

    # ------------------------------------------------------------
    # WALLETS
    # ------------------------------------------------------------

    @api.model
    def _get_wallets(self, partners, company=None):
        """The wallets of ``partners`` in ``company`` (default: current), created when missing.

        Concurrent first calls for one member do not fail: the row is inserted
        with ON CONFLICT DO NOTHING on the (partner, company) unique key.
        """
        company = company or self.env.company
        partners = partners.exists()
        if not partners:
            return self.browse()
        self.flush_model(["partner_id", "company_id"])
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO city_points_wallet (partner_id, company_id, balance, create_uid, write_uid,
                                                create_date, write_date)
                SELECT p, %(company)s, 0, %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM unnest(%(partners)s::int[]) AS p
                ON CONFLICT (partner_id, company_id) DO NOTHING
                """,
                company=company.id,
                uid=self.env.uid,
                partners=partners.ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, id FROM city_points_wallet WHERE company_id = %s AND partner_id = ANY(%s)",
                company.id,
                partners.ids,
            )
        )
        by_partner = dict(self.env.cr.fetchall())
        return self.browse([by_partner[p] for p in partners.ids])

    def _lock_rows(self, nowait=False):
        """Lock the wallet rows (id order, so two batches never deadlock); return {id: balance}."""
        if not self:
            return {}
        query = SQL(
            "SELECT id, balance FROM city_points_wallet WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE%s",
            sorted(self.ids),
            SQL(" NOWAIT") if nowait else SQL(""),
        )
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query)
                rows = self.env.cr.fetchall()
        except pg_errors.LockNotAvailable as exc:
            raise CityPointsBusy(self.env._("This points wallet is busy, please retry.")) from exc
        return dict(rows)

    # ------------------------------------------------------------
    # THE ONE METHOD THAT CHANGES BALANCES
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
        :param on_duplicate: ``"raise"`` a UserError or ``"skip"`` entries whose
            event key is already on the ledger (or twice in the batch).
        :param nowait: fail at once with :class:`CityPointsBusy` if a wallet is locked.
        :param keys_checked: the caller holds the wallet locks and has already
            refused the event keys on the ledger or repeated in ``entries``
            (batch earning): no second lookup; the unique index still guards.
        :param book: book the points money of merchant entries through city_settlement
            (``city.points.booking``): issue, redeem, expire.
        :return: (ledger lines, skipped entries)

        Raw SQL on purpose: this is the hot path of every purchase and spend
        (one lock per wallet, one multi-row INSERT per table); it writes the
        same columns the ORM would and invalidates the cache afterwards.
        """
        Ledger = self.env["city.points.ledger"]
        Lot = self.env["city.points.lot"]
        if not entries:
            return Ledger, []
        for entry in entries:
            points = entry.get("points")
            if not isinstance(points, int) or isinstance(points, bool) or not points:
                raise UserError(self.env._("Points must be a non-zero whole number."))
            kind = entry.get("kind")
            if (points > 0 and kind not in POSITIVE_KINDS) or (points < 0 and kind not in NEGATIVE_KINDS):
                raise UserError(self.env._("Invalid points movement: %(kind)s %(points)s.", kind=kind, points=points))
        self.env.flush_all()
        wallets = self.browse({e["wallet_id"] for e in entries})
        balances = wallets._lock_rows(nowait=nowait)
        if len(balances) != len(wallets):
            raise UserError(self.env._("Unknown points wallet."))
        cr = self.env.cr

        # Duplicate events: checked under the wallet locks, backed by the unique index.
        keys = [e["event_key"] for e in entries if e.get("event_key")]
        existing = set()
        if keys and not keys_checked:
            cr.execute(
                SQL(
                    "SELECT wallet_id, event_key FROM city_points_ledger "
                    "WHERE wallet_id = ANY(%s) AND event_key = ANY(%s)",
                    wallets.ids,
                    keys,
                )
            )
            existing = set(cr.fetchall())
        accepted, skipped = [], []
        for entry in entries:
            key = entry.get("event_key") and (entry["wallet_id"], entry["event_key"])
            if key and key in existing:
                if on_duplicate == "raise":
                    raise UserError(self.env._("This event has already earned points."))
                skipped.append(entry)
                continue
            if key:
                existing.add(key)
            accepted.append(entry)
        if not accepted:
            return Ledger, skipped

        # Open lots of the wallets that spend, oldest first.
        spenders = sorted({e["wallet_id"] for e in accepted if e["points"] < 0})
        open_lots = {}
        lot_by_id = {}
        if spenders:
            cr.execute(
                SQL(
                    """SELECT id, wallet_id, lot_remaining, merchant_id FROM city_points_ledger
                        WHERE wallet_id = ANY(%s) AND lot_remaining > 0 ORDER BY lot_date, id""",
                    spenders,
                )
            )
            for lot_id, wallet_id, remaining, merchant_id in cr.fetchall():
                lot = {"id": lot_id, "wallet_id": wallet_id, "remaining": remaining, "merchant_id": merchant_id}
                open_lots.setdefault(wallet_id, []).append(lot)
                lot_by_id[lot_id] = lot

        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        uid = self.env.uid
        company_by_wallet = {w.id: w.company_id for w in wallets}
        partner_by_wallet = {w.id: w.partner_id.id for w in wallets}
        validity_by_wallet = {w.id: w.company_id.city_points_validity_days for w in wallets}
        touched_lots = {}
        for entry in accepted:
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
            balances[wallet_id] = entry["_balance"] = balance
            entry["_consumed"] = []
            if points < 0:
                needed = -points
                if entry.get("lot_ids"):
                    candidates = [lot_by_id[i] for i in entry["lot_ids"] if i in lot_by_id]
                else:
                    candidates = open_lots.get(wallet_id, [])
                for lot in candidates:
                    if not needed:
                        break
                    take = min(lot["remaining"], needed)
                    if take <= 0:
                        continue
                    lot["remaining"] -= take
                    needed -= take
                    touched_lots[lot["id"]] = (lot, entry["kind"])
                    entry["_consumed"].append((lot, take))
                if needed:
                    # The balance covers it but the lots do not: the books are broken, stop.
                    raise UserError(
                        self.env._("The points lots of this wallet do not cover its balance; run the self-check.")
                    )
        # Demo data only: sample ledgers without money, so the books of a demo database start empty.
        book = book and not self.env.context.get("city_loyalty_demo_no_money")
        bookings = (
            self.env["city.points.booking"]._prepare_entries(accepted, company_by_wallet, partner_by_wallet)
            if book
            else self.env["city.points.booking"]
        )

        ledger_ids = self._next_ids("city_points_ledger", len(accepted))
        rows, consumptions = [], []
        for ledger_id, entry in zip(ledger_ids, accepted, strict=True):
            wallet_id, points = entry["wallet_id"], entry["points"]
            if points > 0:
                # The line is a lot: its issuer (a transfer keeps the original one), date and expiry.
                merchant_id = entry.get("lot_merchant_id", entry.get("merchant_id"))
                lot_columns = (
                    points,
                    entry.get("lot_date") or now,
                    entry.get("expiry_date") or today + timedelta(days=validity_by_wallet[wallet_id]),
                    "open",
                    False,
                )
            else:
                merchant_id = entry.get("merchant_id")
                lot_columns = (None, None, None, None, None)
                consumptions.extend((lot["id"], ledger_id, wallet_id, take) for lot, take in entry["_consumed"])
            rows.append(
                (
                    ledger_id,
                    wallet_id,
                    entry["kind"],
                    points,
                    entry["_balance"],
                    entry.get("date") or now,
                    entry.get("event_key"),
                    merchant_id,
                    entry.get("rule_id"),
                    entry.get("source_ref"),
                    entry.get("note"),
                    entry.get("value_fen", 0),
                    entry.get("spend_fen", 0),
                    entry.get("booking_id"),
                    *lot_columns,
                )
            )
        _copy_rows(
            cr,
            "city_points_ledger",
            (
                "id",
                "wallet_id",
                "kind",
                "points",
                "balance_after",
                "date",
                "event_key",
                "merchant_id",
                "rule_id",
                "source_ref",
                "note",
                "value_fen",
                "spend_fen",
                "booking_id",
                "lot_remaining",
                "lot_date",
                "expiry_date",
                "lot_state",
                "lot_notified",
            ),
            rows,
        )
        if consumptions:
            _copy_rows(
                cr,
                "city_points_lot_consumption",
                ("lot_id", "ledger_id", "wallet_id", "points"),
                consumptions,
            )
            cr.execute(
                SQL(
                    """
                    UPDATE city_points_ledger AS lot
                       SET lot_remaining = v.remaining,
                           lot_state = CASE WHEN v.remaining > 0 THEN 'open'
                                            WHEN v.kind = 'expire' THEN 'expired' ELSE 'consumed' END
                      FROM (VALUES %s) AS v(id, remaining, kind)
                     WHERE lot.id = v.id
                    """,
                    SQL(", ").join(
                        SQL("(%s, %s, %s)", lot["id"], lot["remaining"], kind) for lot, kind in touched_lots.values()
                    ),
                )
            )
        cr.execute(
            SQL(
                """
                UPDATE city_points_wallet AS w SET balance = v.balance, write_date = %s, write_uid = %s
                  FROM (VALUES %s) AS v(id, balance) WHERE w.id = v.id
                """,
                now,
                uid,
                SQL(", ").join(SQL("(%s, %s)", wid, bal) for wid, bal in balances.items()),
            )
        )
        wallets.invalidate_recordset(["balance"])
        Lot.invalidate_model()
        Ledger.invalidate_model()
        self.env["city.points.lot.consumption"].invalidate_model()
        for entry in accepted:
            entry.pop("_consumed", None)
            entry.pop("_balance", None)
        bookings._post_to_settlement()
        return Ledger.browse(ledger_ids), skipped

    def _next_ids(self, table, count):
        """Reserve ``count`` ids of ``table``'s sequence (COPY cannot return them)."""
        self.env.cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"{table}_id_seq", count))
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------
    # MOVEMENTS (each goes through _post_entries)
    # ------------------------------------------------------------

    def _earn(
        self,
        points,
        merchant=None,
        rule=None,
        event_key=None,
        source_ref=None,
        note=None,
        expiry_date=None,
        book=True,
        spend_fen=0,
    ):
        """Credit ``points`` (a new lot) to this wallet; the merchant, if any, funds them."""
        self.ensure_one()
        lines, _skipped = self._post_entries(
            [
                {
                    "wallet_id": self.id,
                    "kind": "earn",
                    "points": points,
                    "merchant_id": merchant.id if merchant else None,
                    "rule_id": rule.id if rule else None,
                    "event_key": event_key,
                    "source_ref": source_ref,
                    "note": note,
                    "expiry_date": expiry_date,
                    "spend_fen": spend_fen,
                }
            ],
            book=book,
        )
        return lines

    def _spend(self, points, merchant=None, source_ref=None, note=None, event_key=None, nowait=False, book=True):
        """Debit ``points`` from the oldest lots; ``merchant`` (accepting them) is reimbursed."""
        self.ensure_one()
        if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
            raise UserError(self.env._("Points to spend must be a positive whole number."))
        lines, _skipped = self._post_entries(
            [
                {
                    "wallet_id": self.id,
                    "kind": "spend",
                    "points": -points,
                    "merchant_id": merchant.id if merchant else None,
                    "source_ref": source_ref,
                    "note": note,
                    "event_key": event_key,
                }
            ],
            nowait=nowait,
            book=book,
        )
        return lines

    def _adjust(self, points, note, source_ref=None):
        """Operator correction: positive creates a lot, negative consumes the oldest lots."""
        self.ensure_one()
        lines, _skipped = self._post_entries(
            [{"wallet_id": self.id, "kind": "adjust", "points": points, "note": note, "source_ref": source_ref}]
        )
        return lines

    def _transfer(self, target, points, note=None):
        """Move points to another member's wallet; the received lots keep their dates and issuers."""
        self.ensure_one()
        target.ensure_one()
        if target == self or target.company_id != self.company_id:
            raise UserError(self.env._("Points can only be transferred to another member of the same company."))
        if not isinstance(points, int) or points <= 0:
            raise UserError(self.env._("Points to transfer must be a positive whole number."))
        (self | target)._lock_rows()
        out, _skipped = self._post_entries(
            [
                {
                    "wallet_id": self.id,
                    "kind": "transfer_out",
                    "points": -points,
                    "note": note,
                    "source_ref": f"city.points.wallet,{target.id}",
                }
            ]
        )
        entries = [
            {
                "wallet_id": target.id,
                "kind": "transfer_in",
                "points": consumption.points,
                "note": note,
                "source_ref": f"city.points.ledger,{out.id}",
                "lot_date": consumption.lot_id.lot_date,
                "expiry_date": consumption.lot_id.expiry_date,
                "lot_merchant_id": consumption.lot_id.merchant_id.id or None,
            }
            for consumption in out.consumption_ids
        ]
        received, _skipped = self._post_entries(entries)
        return out, received

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_view_ledger(self):
        access.check_groups(self.env, *access.PLATFORM)
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("city_loyalty.city_points_ledger_action")
        action["domain"] = [("wallet_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_recompute_tier(self):
        access.check_groups(self.env, access.OPERATOR)
        self.check_access("write")
        self._update_tiers()

    # ------------------------------------------------------------
    # TIERS
    # ------------------------------------------------------------

    def _update_tiers(self):
        """Recompute rolling spend and tier of these wallets."""
        Spend = self.env["city.member.spend"].sudo()
        Tier = self.env["city.points.tier"].sudo()
        now = fields.Datetime.now()
        for company, wallets in self.grouped("company_id").items():
            since = now - timedelta(days=company.city_points_tier_days)
            spends = dict(
                Spend._read_group(
                    [
                        ("partner_id", "in", wallets.partner_id.ids),
                        ("company_id", "=", company.id),
                        ("day", ">=", since.date()),
                    ],
                    ["partner_id"],
                    ["amount_fen:sum"],
                )
            )
            tiers = Tier.search([("company_id", "=", company.id)], order="min_spend desc, id desc")
            changes = []
            for wallet in wallets:
                spend = spends.get(wallet.partner_id, 0) / 100.0
                tier = next((t for t in tiers if spend >= t.min_spend), Tier)
                if wallet.tier_id != tier or wallet.currency_id.compare_amounts(wallet.rolling_spend, spend):
                    changes.append(SQL("(%s, %s, %s)", wallet.id, tier.id or None, spend))
            if changes:
                # One UPDATE for all changed wallets: every purchase batch recomputes its members' tiers.
                self.flush_model(["tier_id", "rolling_spend", "tier_date"])
                self.env.cr.execute(
                    SQL(
                        """UPDATE city_points_wallet AS w
                              SET tier_id = v.tier_id::int, rolling_spend = v.spend::numeric, tier_date = %s
                             FROM (VALUES %s) AS v(id, tier_id, spend) WHERE w.id = v.id""",
                        now,
                        SQL(", ").join(changes),
                    )
                )
                wallets.invalidate_recordset(["tier_id", "rolling_spend", "tier_date"])

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

    @api.model
    def _cron_update_tiers(self):
        self.sudo().search([])._update_tiers()

    @api.model
    def _cron_birthday_gifts(self):
        """Birthday points for members whose tier offers them (once a year, event key per year)."""
        today = fields.Date.context_today(self)
        partners = self.env["res.partner"].sudo().search([("city_birthday", "!=", False), ("is_member", "=", True)])
        partners = partners.filtered(lambda p: (p.city_birthday.month, p.city_birthday.day) == (today.month, today.day))
        if not partners:
            return
        wallets = self.sudo()._get_wallets(partners)
        wallets._update_tiers()
        entries = [
            {
                "wallet_id": wallet.id,
                "kind": "earn",
                "points": wallet.tier_id.birthday_points,
                "event_key": f"birthday:{today.year}",
                "note": self.env._("Birthday gift (%s)", wallet.tier_id.name),
            }
            for wallet in wallets
            if wallet.tier_id.birthday_points
        ]
        self._post_entries(entries, on_duplicate="skip")

    @api.model
    def _cron_self_check(self):
        """Nightly: every balance equals its ledger's sum and its open lots; mismatches are flagged."""
        bad = self._find_inconsistent()
        for wallet_id, balance, ledger_sum, lot_sum in bad:
            _logger.error(
                "points wallet %s: balance %s, ledger sum %s, open lots %s", wallet_id, balance, ledger_sum, lot_sum
            )
            self.browse(wallet_id).sudo().write(
                {"is_flagged": True, "flag_reason": self.env._("Self-check: balance does not match the ledger.")}
            )
        return bad

    @api.model
    def _find_inconsistent(self):
        """[(wallet id, balance, ledger sum, open lot sum)] of wallets whose books do not agree."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT w.id, w.balance, COALESCE(l.total, 0), COALESCE(l.open, 0)
                  FROM city_points_wallet w
             LEFT JOIN (SELECT wallet_id, SUM(points) AS total, SUM(lot_remaining) AS open
                          FROM city_points_ledger GROUP BY wallet_id) l
                    ON l.wallet_id = w.id
                 WHERE w.balance != COALESCE(l.total, 0) OR w.balance != COALESCE(l.open, 0)
                """
            )
        )
        return self.env.cr.fetchall()

    def _flag(self, reason):
        self.sudo().write({"is_flagged": True, "flag_reason": reason})

    def action_clear_flag(self):
        access.check_groups(self.env, access.OPERATOR)
        self.write({"is_flagged": False, "flag_reason": False})

    # ------------------------------------------------------------
    # EARNING (rules, tiers, caps, anti-abuse)
    # ------------------------------------------------------------

    @api.model
    @_pause_cyclic_gc
    def _earn_events(self, events, company=None, known=None):
        """Earn points for a batch of events; refused ones are recorded as rejections.

        :param events: dicts with ``partner`` (res.partner), ``event`` (purchase,
            sign_in, review, first_purchase, referral, birthday), ``event_key``
            (unique per member), optional ``merchant`` (res.partner),
            ``amount_fen`` (purchases), ``source_ref``, ``date``, ``rule``
            (force a rule), ``points`` (force points, e.g. birthday gifts).
        :param known: ``(wallet ids, {(wallet id, event key)})``: the caller holds
            these wallets' locks and has looked up their keys of ``events`` on the
            ledger already (purchase batches), so only other wallets are looked up.
        :return: (ledger lines, rejections)

        One lock per wallet for the whole batch; caps and velocity are checked
        under the locks, so concurrent batches cannot overrun them.
        """
        company = company or self.env.company
        self_sudo = self.sudo()  # earning is a system action on behalf of the member, checks are below
        Rule = self.env["city.points.rule"].sudo()
        Rejection = self.env["city.points.rejection"].sudo()
        if not events:
            return self.env["city.points.ledger"], Rejection
        partners = self.env["res.partner"].union(*(e["partner"] for e in events))
        wallets = self_sudo._get_wallets(partners, company)
        wallet_by_partner = dict(zip(partners.ids, wallets, strict=True))
        wallets._lock_rows()
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        day_start = fields.Datetime.to_datetime(today)

        # Everything the checks need, in three queries for the whole batch.
        rules = Rule.search(
            [
                ("company_id", "=", company.id),
                ("event", "in", list({e["event"] for e in events})),
                "|",
                ("date_from", "=", False),
                ("date_from", "<=", today),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", today),
            ]
        )
        rules_by_event = rules.grouped("event")
        keys = [e["event_key"] for e in events if e.get("event_key")]
        known_wallets, seen = known or ((), set())
        seen = set(seen)
        unknown = [wallet_id for wallet_id in wallets.ids if wallet_id not in known_wallets]
        if keys and unknown:
            self.env.cr.execute(
                SQL(
                    "SELECT wallet_id, event_key FROM city_points_ledger "
                    "WHERE wallet_id = ANY(%s) AND event_key = ANY(%s)",
                    unknown,
                    keys,
                )
            )
            seen.update(self.env.cr.fetchall())
        self.env.cr.execute(
            SQL(
                """SELECT wallet_id, rule_id, SUM(points), COUNT(*) FILTER (WHERE date >= %s)
                     FROM city_points_ledger
                    WHERE wallet_id = ANY(%s) AND kind = 'earn' AND date >= %s
                 GROUP BY wallet_id, rule_id""",
                now - timedelta(hours=1),
                wallets.ids,
                min(day_start, now - timedelta(hours=1)),
            )
        )
        daily, hourly = {}, {}
        for wallet_id, rule_id, points, count in self.env.cr.fetchall():
            daily[(wallet_id, rule_id)] = points
            hourly[wallet_id] = hourly.get(wallet_id, 0) + count
        velocity_max = company.city_points_velocity_max

        # Plain values per wallet and rule: the loop below runs once per event of large batches.
        wallet_info = {
            w.id: (w.is_flagged, w.flag_reason, w.tier_id.multiplier or 1.0) for w in wallet_by_partner.values()
        }
        member_ids = set(partners.filtered("is_member").ids)
        default_validity = company.city_points_validity_days
        wallet_id_by_partner = {partner_id: wallet.id for partner_id, wallet in wallet_by_partner.items()}
        no_merchant = self.env["res.partner"]
        no_rule = (None, None, 0, default_validity)  # (record, params, daily cap, validity days)
        rule_data = {}

        def plain(rule):
            # Each rule's fields once per batch, not once per event.
            if rule.id not in rule_data:
                rule_data[rule.id] = (
                    rule,
                    rule._points_params(),
                    rule.daily_cap,
                    rule.validity_days or default_validity,
                )
            return rule_data[rule.id]

        entries, rejections, to_flag, picked, expiries = [], [], {}, {}, {}
        for event in events:
            partner_id = event["partner"].id
            wallet_id = wallet_id_by_partner[partner_id]
            merchant = event.get("merchant") or no_merchant
            merchant_id = merchant.id
            event_key = event.get("event_key")
            if event.get("rule"):
                rule, params, daily_cap, validity = plain(event["rule"])
            else:
                pick_key = (event["event"], merchant_id)
                if pick_key not in picked:
                    picked_rule = Rule._pick_rule(rules_by_event.get(event["event"], Rule), merchant)
                    picked[pick_key] = plain(picked_rule) if picked_rule else no_rule
                rule, params, daily_cap, validity = picked[pick_key]
            rule_id = rule.id if rule else None

            def reject(reason, points=0, message=False, event=event, wallet_id=wallet_id, rule_id=rule_id):
                rejections.append(
                    {
                        "partner_id": event["partner"].id,
                        "wallet_id": wallet_id,
                        "company_id": company.id,
                        "event": event["event"],
                        "event_key": event.get("event_key"),
                        "merchant_id": event["merchant"].id if event.get("merchant") else False,
                        "source_ref": event.get("source_ref"),
                        "rule_id": rule_id or False,
                        "reason": reason,
                        "points": points,
                        "message": message,
                    }
                )

            flagged, flag_reason, multiplier = wallet_info[wallet_id]
            if partner_id not in member_ids:
                reject("not_member")
                continue
            if flagged:
                reject("flagged", message=flag_reason)
                continue
            if event_key and (wallet_id, event_key) in seen:
                reject("duplicate")
                continue
            if "points" in event:
                points = event["points"]
            elif not rule:
                reject("no_rule")
                continue
            else:
                points = Rule._points_from(params, event.get("amount_fen", 0), event.get("multiplier") or multiplier)
            if points <= 0:
                reject("zero", points)
                continue
            if hourly.get(wallet_id, 0) >= velocity_max:
                reject("velocity", points)
                to_flag[wallet_id] = True
                continue
            if daily_cap:
                used = daily.get((wallet_id, rule_id), 0)
                if used >= daily_cap:
                    reject("daily_cap", points)
                    continue
                points = min(points, daily_cap - used)
                daily[(wallet_id, rule_id)] = used + points
            hourly[wallet_id] = hourly.get(wallet_id, 0) + 1
            if event_key:
                seen.add((wallet_id, event_key))
            entries.append(
                {
                    "wallet_id": wallet_id,
                    "kind": "earn",
                    "points": points,
                    "event_key": event_key,
                    "merchant_id": merchant_id or None,
                    "rule_id": rule_id,
                    "source_ref": event.get("source_ref"),
                    "note": event.get("note"),
                    "spend_fen": event.get("amount_fen", 0),
                    "expiry_date": expiries.get(validity)
                    or expiries.setdefault(validity, today + timedelta(days=validity)),
                }
            )
        lines, skipped = self_sudo._post_entries(entries, on_duplicate="skip", book=True, keys_checked=True)
        for entry in skipped:
            rejections.append(
                {
                    "partner_id": self.browse(entry["wallet_id"]).partner_id.id,
                    "wallet_id": entry["wallet_id"],
                    "company_id": company.id,
                    "event": "earn",
                    "event_key": entry.get("event_key"),
                    "reason": "duplicate",
                    "points": entry["points"],
                }
            )
        if to_flag:
            self.browse(list(to_flag))._flag(self.env._("Too many earnings within an hour."))
        return lines, Rejection._record(rejections) if rejections else Rejection

    @api.model
    @_pause_cyclic_gc
    def _earn_purchases(self, purchases, company=None):
        """Earn points for paid purchases, in one batch.

        :param purchases: dicts with ``partner``, ``merchant``, ``amount_fen``,
            ``source_ref`` (the order) and optional ``date``. Adds the spend of
            new purchases to the members' daily spend (tiers), recomputes their
            tiers, then earns the purchase points, first-purchase bonuses and
            referral points.
        """
        company = company or self.env.company
        Rejection = self.env["city.points.rejection"]
        if not purchases:
            return self.env["city.points.ledger"], Rejection
        partners = self.env["res.partner"].union(*(p["partner"] for p in purchases))
        # Callers often pass records browsed one by one: read what the loops need in one query each.
        partners.fetch(["is_member", "city_referrer_id"])
        referrer_of = {partner.id: partner.city_referrer_id for partner in partners}
        self.env["res.partner"].union(*(p["merchant"] for p in purchases if p.get("merchant"))).fetch(
            ["merchant_category_id"]
        )
        members = partners.filtered("is_member")
        wallets = self.sudo()._get_wallets(members, company)
        wallets._lock_rows()
        for purchase in purchases:
            merchant = purchase.get("merchant")
            purchase["event_key"] = f"purchase:{purchase['source_ref']}:{merchant.id if merchant else 0}"
        # Purchases already earned (a repeated notice) add no spend. The same lookup serves
        # the duplicate check of the events below (first purchase keys included).
        self.env.cr.execute(
            SQL(
                "SELECT wallet_id, event_key FROM city_points_ledger WHERE wallet_id = ANY(%s) AND event_key = ANY(%s)",
                wallets.ids,
                [p["event_key"] for p in purchases] + ["first_purchase"],
            )
        )
        known = (set(wallets.ids), set(self.env.cr.fetchall()))
        earned = {key for _wallet_id, key in known[1]}
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM city_member_spend WHERE company_id = %s AND partner_id = ANY(%s)",
                company.id,
                members.ids,
            )
        )
        returning = {row[0] for row in self.env.cr.fetchall()}
        today = fields.Date.context_today(self)
        daily = {}
        member_ids = set(members.ids)
        for purchase in purchases:
            partner_id = purchase["partner"].id
            if partner_id in member_ids and purchase["amount_fen"] > 0 and purchase["event_key"] not in earned:
                day = fields.Date.to_date(purchase.get("date")) if purchase.get("date") else today
                key = (partner_id, day)
                daily[key] = daily.get(key, 0) + purchase["amount_fen"]
        if daily:
            # One row per member and day, added to: no row per purchase on the hot path.
            now = fields.Datetime.now()
            self.env["city.member.spend"].flush_model()
            self.env.cr.execute(
                SQL(
                    """INSERT INTO city_member_spend (partner_id, company_id, day, amount_fen,
                                                      create_uid, write_uid, create_date, write_date)
                       VALUES %s
                       ON CONFLICT (partner_id, company_id, day)
                       DO UPDATE SET amount_fen = city_member_spend.amount_fen + EXCLUDED.amount_fen,
                                     write_date = EXCLUDED.write_date""",
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s, %s, %s, %s, %s, %s)",
                            partner_id,
                            company.id,
                            day,
                            amount,
                            self.env.uid,
                            self.env.uid,
                            now,
                            now,
                        )
                        for (partner_id, day), amount in daily.items()
                    ),
                )
            )
            self.env["city.member.spend"].invalidate_model()
        wallets._update_tiers()
        bonus_events = set(
            self.env["city.points.rule"]
            .sudo()
            .search([("company_id", "=", company.id), ("event", "in", ("first_purchase", "referral"))])
            .mapped("event")
        )
        events = []
        first_seen = set()
        for purchase in purchases:
            partner = purchase["partner"]
            merchant = purchase.get("merchant")
            events.append(
                {
                    "partner": partner,
                    "event": "purchase",
                    "merchant": merchant,
                    "amount_fen": purchase["amount_fen"],
                    "event_key": purchase["event_key"],
                    "source_ref": purchase.get("source_ref"),
                }
            )
            partner_id = partner.id
            if partner_id in member_ids and partner_id not in returning and partner_id not in first_seen:
                first_seen.add(partner_id)
                if "first_purchase" in bonus_events:
                    # The welcome bonus is the platform's: no merchant funds it.
                    events.append(
                        {
                            "partner": partner,
                            "event": "first_purchase",
                            "event_key": "first_purchase",
                            "source_ref": purchase.get("source_ref"),
                        }
                    )
                referrer = referrer_of[partner_id]
                if "referral" in bonus_events and referrer and referrer != partner:
                    events.append(
                        {
                            "partner": referrer,
                            "event": "referral",
                            "event_key": f"referral:{partner.id}",
                            "source_ref": f"res.partner,{partner.id}",
                        }
                    )
        return self._earn_events(events, company, known=known)

    # ------------------------------------------------------------
    # DEMO
    # ------------------------------------------------------------

    @api.model
    def _load_demo_ledgers(self):
        """Demo data: a few members with purchases, sign-ins, reviews, spends and an expired lot.

        Without points money: other modules' tests check the settlement accounts of a demo database.
        """
        demo = self.with_context(city_loyalty_demo_no_money=True)
        ref = demo.env.ref
        tea = ref("city_base.demo_merchant_tea_time")
        hotpot = ref("city_base.demo_merchant_hotpot_shu")
        hair = ref("city_base.demo_merchant_hair_mode")
        cinema = ref("city_base.demo_merchant_cinema_star")
        members = [ref(f"city_base.demo_member_{i:02d}") for i in range(1, 7)]
        purchases = []
        for i, member in enumerate(members):
            for j, (merchant, amount) in enumerate([(tea, 3600), (hotpot, 25800), (cinema, 9800), (hair, 16800)]):
                if (i + j) % 3 != 2:
                    purchases.append(
                        {
                            "partner": member,
                            "merchant": merchant,
                            "amount_fen": amount * (i + 1),
                            "source_ref": f"demo:{member.id}:{j}",
                        }
                    )
        demo._earn_purchases(purchases)
        for member in members[:4]:
            member._city_points_api_sign_in()
            member._city_points_api_review(f"demo-review-{member.id}", tea.id)
        wallets = demo._get_wallets(demo.env["res.partner"].union(*members))
        wallets[0]._spend(300, merchant=hair, note="到店抵扣")
        wallets[1]._spend(150, merchant=tea, note="到店抵扣")
        wallets[2]._earn(120, expiry_date=fields.Date.context_today(demo) - timedelta(days=1), note="老积分")
        wallets[3]._earn(80, expiry_date=fields.Date.context_today(demo) + timedelta(days=10), note="即将过期")
        demo.env["city.points.lot"]._cron_expire()
        demo.env["city.points.lot"]._cron_notify_expiring()
        if wallets[0].balance >= 500:
            demo.env["city.points.redemption"]._redeem(members[0], ref("city_loyalty.demo_reward_coupon"))
