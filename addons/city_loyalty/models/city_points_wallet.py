# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import allocate

from .city_points_ledger import is_posting

_logger = logging.getLogger(__name__)


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

    def _take_back_points(self, earned, points, event_key, source_ref=None, note=None):
        """Take back ``points`` of the ``earned`` lines (earnings of this wallet, e.g. of a refunded
        purchase) and give their funding back to the merchants that paid for them.

        One negative ``adjust`` line per earned line taken from (spread over what is left
        of them with allocate(); each consumes its own lot first, then the oldest), each
        with a ``revoke`` booking: the issue reversed at its rate, pro rata, exact to the
        fen (see :meth:`~.CityPointsBooking._prepare_revoke`). Never below zero. Once per
        ``event_key``: a repeat returns the lines already posted.
        :return: the take-back ledger lines
        """
        self.ensure_one()
        Ledger, Booking = self.env["city.points.ledger"].sudo(), self.env["city.points.booking"].sudo()
        if earned.filtered(lambda line: line.wallet_id != self or line.kind != "earn"):
            raise UserError(self.env._("Only this wallet's earned points can be taken back."))
        self._lock_rows()
        keys = [event_key] + [f"{event_key}:{n}" for n in range(1, len(earned))]
        done = Ledger.search([("wallet_id", "=", self.id), ("event_key", "in", keys)])
        if done:
            return done
        left = {line: line.points for line in earned}
        for booking in Booking.search([("kind", "=", "revoke"), ("reversed_ledger_id", "in", earned.ids)]):
            left[booking.reversed_ledger_id] -= booking.points
        if not isinstance(points, int) or points <= 0 or points > sum(left.values()):
            raise UserError(self.env._("More points taken back than were earned."))
        open_lots = Ledger.search([("wallet_id", "=", self.id), ("lot_remaining", ">", 0)], order="lot_date, id")
        entries = []
        for line, part in zip(earned, allocate(points, list(left.values())), strict=True):
            if not part:
                continue
            booking = Booking.create(vals) if (vals := Booking._prepare_revoke(line, part)) else Booking
            entries.append(
                {
                    "wallet_id": self.id,
                    "kind": "adjust",
                    "points": -part,
                    "event_key": keys[len(entries)],
                    "merchant_id": line.merchant_id.id or None,
                    "source_ref": source_ref,
                    "note": note,
                    "lot_ids": [line.id, *(open_lots - line).ids],
                    "booking_id": booking.id or None,
                    "value_fen": booking.amount_fen or 0,
                }
            )
        lines, _skipped = self._post_entries(entries, keys_checked=True)
        lines.booking_id._post_to_settlement()
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
