# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access

from ..engine import earning
from .city_points_ledger import is_posting, posting_context

_logger = logging.getLogger(__name__)

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
        if "balance" in vals and not is_posting(self.env):
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
    # TIERS (the tier model assigns them)
    # ------------------------------------------------------------

    def _update_tiers(self):
        """Recompute rolling spend and tier of these wallets."""
        self.env["city.points.tier"].sudo()._assign_wallets(self)

    # ------------------------------------------------------------
    # CRONS (per company, in batches that re-trigger their cron)
    # ------------------------------------------------------------

    @api.model
    def _cron_update_tiers(self, batch_size=5000):
        """Recompute every wallet's tier, company by company, ``batch_size`` wallets a run.

        Wallets whose tier was recomputed since today began are done; when a
        batch is full, the cron is triggered again for the rest.
        """
        since = fields.Datetime.to_datetime(fields.Date.context_today(self))
        more = False
        for company in self.env["res.company"].sudo().search([]):
            wallets = (
                self.sudo()
                .with_company(company)
                .search(
                    [("company_id", "=", company.id), "|", ("tier_date", "=", False), ("tier_date", "<", since)],
                    order="id",
                    limit=batch_size,
                )
            )
            self.env["city.points.tier"].sudo().with_company(company)._assign_wallets(wallets, stamp=True)
            more = more or len(wallets) == batch_size
        if more:
            self.env.ref("city_loyalty.ir_cron_points_tiers")._trigger()

    @api.model
    def _cron_birthday_gifts(self):
        """Birthday points for members whose tier offers them (once a year, event key per year), per company."""
        today = fields.Date.context_today(self)
        self.env["res.partner"].flush_model(["city_birthday", "is_member"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM res_partner
                    WHERE is_member AND city_birthday IS NOT NULL
                      AND EXTRACT(MONTH FROM city_birthday) = %s AND EXTRACT(DAY FROM city_birthday) = %s""",
                today.month,
                today.day,
            )
        )
        partners = self.env["res.partner"].sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if not partners:
            return
        tiers = self.env["city.points.tier"].sudo().search([("birthday_points", ">", 0)])
        for company in tiers.company_id:  # only operators whose tiers give birthday points
            wallet_model = self.sudo().with_company(company)
            wallets = wallet_model._get_wallets(partners, company)
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
            wallet_model._post_entries(entries, on_duplicate="skip")

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
    # EARNING (the checks are the plain-Python engine in engine/earning.py)
    # ------------------------------------------------------------

    @api.model
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
        self_sudo = self.sudo().with_company(company)  # earning is a system action on behalf of the member
        Rejection = self.env["city.points.rejection"].sudo()
        if not events:
            return self.env["city.points.ledger"], Rejection
        partners = self.env["res.partner"].union(*(e["partner"] for e in events))
        wallets = self_sudo._get_wallets(partners, company)
        wallet_by_partner = dict(zip(partners.ids, wallets, strict=True))
        wallets._lock_rows()
        engine = self_sudo._get_earning_engine(company, wallets, events, known)
        pick_rule = self_sudo._earning_rule_picker(company, events)
        member_ids = set(partners.filtered("is_member").ids)
        # Plain values per wallet: the loop below runs once per event of large batches.
        wallet_info = {
            w.id: (w.is_flagged, w.flag_reason or None, w.tier_id.multiplier or 1.0) for w in wallet_by_partner.values()
        }
        today = fields.Date.context_today(self)
        expiries, entries, rejections, to_flag = {}, [], [], {}
        for event in events:
            partner_id = event["partner"].id
            wallet_id = wallet_by_partner[partner_id].id
            rule, engine_rule = pick_rule(event)
            flagged, flag_reason, multiplier = wallet_info[wallet_id]
            attempt = earning.Attempt(
                wallet_id=wallet_id,
                rule=engine_rule,
                amount_fen=event.get("amount_fen", 0),
                event_key=event.get("event_key"),
                points=event.get("points"),
                multiplier=event.get("multiplier") or multiplier,
                is_member=partner_id in member_ids,
                flagged=flagged,
                flag_reason=flag_reason,
            )
            outcome = engine.evaluate(attempt)
            if not outcome.accepted:
                rejections.append(self._prepare_rejection_vals(company, event, wallet_id, rule, outcome))
                if outcome.flag:
                    to_flag[wallet_id] = True
                continue
            validity = (engine_rule.validity_days if engine_rule else 0) or company.city_points_validity_days
            if validity not in expiries:
                expiries[validity] = today + timedelta(days=validity)
            entries.append(self._prepare_earn_entry(event, wallet_id, rule, outcome, expiries[validity]))
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
    def _get_earning_engine(self, company, wallets, events, known=None):
        """The earning engine of a batch, with what its checks need read under the wallet locks.

        Override to return a subclass of :class:`~..engine.earning.EarningEngine`
        with more checks (or to read more state for them).
        """
        now = fields.Datetime.now()
        day_start = fields.Datetime.to_datetime(fields.Date.context_today(self))
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
        return earning.EarningEngine(
            velocity_max=company.city_points_velocity_max, seen=seen, daily=daily, hourly=hourly
        )

    @api.model
    def _earning_rule_picker(self, company, events):
        """A function ``event -> (rule record or None, engine rule or None)`` for a batch.

        The rules of the batch's events are read once; each rule is turned into
        an engine rule once, each (event, merchant) picked once.
        """
        Rule = self.env["city.points.rule"].sudo()
        today = fields.Date.context_today(self)
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
        engine_rules, picked = {}, {}
        merchant_none = self.env["res.partner"]

        def plain(rule):
            if rule.id not in engine_rules:
                engine_rules[rule.id] = (rule, rule._to_engine_rule())
            return engine_rules[rule.id]

        def pick(event):
            if event.get("rule"):
                return plain(event["rule"])
            merchant = event.get("merchant") or merchant_none
            key = (event["event"], merchant.id)
            if key not in picked:
                rule = Rule._pick_rule(rules_by_event.get(event["event"], Rule), merchant)
                picked[key] = plain(rule) if rule else (None, None)
            return picked[key]

        return pick

    @api.model
    def _prepare_earn_entry(self, event, wallet_id, rule, outcome, expiry_date):
        """The ledger entry of an accepted earning (override to carry more keys to the ledger)."""
        merchant = event.get("merchant")
        return {
            "wallet_id": wallet_id,
            "kind": "earn",
            "points": outcome.points,
            "event_key": event.get("event_key"),
            "merchant_id": merchant.id if merchant else None,
            "rule_id": rule.id if rule else None,
            "source_ref": event.get("source_ref"),
            "note": event.get("note"),
            "spend_fen": event.get("amount_fen", 0),
            "expiry_date": expiry_date,
        }

    @api.model
    def _prepare_rejection_vals(self, company, event, wallet_id, rule, outcome):
        """The ``city.points.rejection`` values of a refused earning."""
        merchant = event.get("merchant")
        return {
            "partner_id": event["partner"].id,
            "wallet_id": wallet_id,
            "company_id": company.id,
            "event": event["event"],
            "event_key": event.get("event_key"),
            "merchant_id": merchant.id if merchant else False,
            "source_ref": event.get("source_ref"),
            "rule_id": rule.id if rule else False,
            "reason": outcome.reason,
            "points": outcome.points,
            "message": outcome.message or False,
        }

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
        member_ids = set(members.ids)
        self._add_member_spend(purchases, member_ids, earned, company)
        wallets._update_tiers()
        events = self._purchase_events(purchases, member_ids, returning, referrer_of, company)
        return self._earn_events(events, company, known=known)

    @api.model
    def _add_member_spend(self, purchases, member_ids, earned, company):
        """Add the spend of the members' new purchases (not in ``earned`` event keys) to their daily spend."""
        today = fields.Date.context_today(self)
        daily = {}
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

    @api.model
    def _purchase_events(self, purchases, member_ids, returning, referrer_of, company):
        """The earning events of paid purchases: the purchase, and for a first purchase the bonuses."""
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
        return events
