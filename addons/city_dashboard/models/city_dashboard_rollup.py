# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Incremental maintenance of the cockpit's rollups.

The base tables are append-only (``city_escrow`` rows are created when an order is
paid, ``city_ticket_redemption`` rows when a ticket is scanned, ``city_points_ledger``
lines when points move). A run finds the merchant-days touched by rows it has not
seen yet and recomputes those merchant-days whole, from the base tables, in a few
set-based statements (delete, insert): no row is updated by the paying transaction.

Which rows are new: not "ids above the last id seen". A transaction that began before
a run and commits after it wrote rows the run could not see, with ids *below* rows
the run did see (ids are taken when a row is inserted, not when it commits). So each
run first notes, in a transaction of its own (before the run's snapshot), a *mark*
(the time and the highest id of each base table) and the *cut-off*: the start of the
oldest transaction then open (or the time). Every row that run cannot see comes from
a transaction that started at or after its cut-off, so its id is above the highest id
of any mark taken before the cut-off. The next run recomputes the merchant-days of the
rows above those ids: late commits are counted, and a run reads only recent rows
(through the primary keys).
"""

import logging

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from .city_dashboard_member_gap import GAP_CAP

_logger = logging.getLogger(__name__)

DEFAULT_TZ = "Asia/Shanghai"
DIRTY_FEW = 5000  # merchant-days: fewer are read one by one through the base tables' indexes


def _local(column, tz):
    """A naive UTC timestamp column as local time (``column`` is a constant of this module)."""
    return SQL(f"({column} AT TIME ZONE 'UTC' AT TIME ZONE %s)", tz)


def _slot(local):
    """The half hour of the local day of a local timestamp: 0 (00:00) to 47 (23:30)."""
    return SQL("(EXTRACT(HOUR FROM %s)::int * 2 + (EXTRACT(MINUTE FROM %s)::int >= 30)::int)", local, local)


class CityDashboardRollup(models.Model):
    _name = "city.dashboard.rollup"
    _description = "Cockpit Rollup State"
    _log_access = False

    name = fields.Char(required=True, readonly=True)
    cutoff = fields.Datetime(
        readonly=True,
        help="Start of the oldest transaction open when the last run began; the next run reads the rows above "
        "the ids marked before it.",
    )
    last_run = fields.Datetime(readonly=True)
    last_dirty = fields.Integer(string="Merchant-days Recomputed", readonly=True)

    _sql_constraints = [("name_uniq", "UNIQUE(name)", "One state per rollup.")]

    def init(self):
        # Read-side indexes on the base tables (reporting reads, DESIGN.md): one merchant-day
        # of paid lines and of redemptions.
        for name, table, columns in (
            ("city_escrow_city_dashboard_paid", "city_escrow", ["merchant_id", "paid_date"]),
            ("city_ticket_redemption_city_dashboard_day", "city_ticket_redemption", ["merchant_id", "create_date"]),
        ):
            create_index(self.env.cr, name, table, columns)

    # --- entry points ---------------------------------------------------------

    @api.model
    def _cron_refresh(self):
        """Cron (every minute): take the mark and cut-off first, then refresh in a new transaction."""
        with self.pool.cursor() as cr:
            cutoff = self.with_env(self.env(cr=cr))._city_take_mark()
        with self.pool.cursor() as cr:
            self.with_env(self.env(cr=cr))._city_refresh(cutoff)

    @api.model
    def _city_take_mark(self):
        """Note the highest id of each base table now; return the cut-off (naive UTC): the start
        of the oldest other transaction open on this database, or now."""
        self.env.cr.execute(
            """
            INSERT INTO city_dashboard_rollup_mark (taken_at, escrow_id, redemption_id, ledger_id)
            SELECT clock_timestamp() AT TIME ZONE 'UTC',
                   (SELECT COALESCE(MAX(id), 0) FROM city_escrow),
                   (SELECT COALESCE(MAX(id), 0) FROM city_ticket_redemption),
                   (SELECT COALESCE(MAX(id), 0) FROM city_points_ledger)
            """
        )
        self.env.cr.execute(
            """
            SELECT LEAST(clock_timestamp(), MIN(xact_start)) AT TIME ZONE 'UTC'
              FROM pg_stat_activity
             WHERE datname = current_database() AND xact_start IS NOT NULL AND pid != pg_backend_pid()
            """
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _city_refresh(self, new_cutoff=None):
        """Recompute the merchant-days touched by rows not seen by the previous runs.

        :param new_cutoff: this run's cut-off, from :meth:`_city_take_mark` called in an
            earlier transaction (the cron); by default taken now, in this transaction, which
            is exact when no other transaction writes meanwhile (tests, installation)
        :return: the number of merchant-days recomputed (None when another run holds the lock)
        """
        new_cutoff = new_cutoff or self._city_take_mark()
        locked = self._city_lock_state()
        if locked is None:
            return None
        state, cutoff = locked
        floors = self._city_floors(cutoff)
        self.env.flush_all()
        dirty = self._city_recompute(floors)
        self.env.cr.execute(
            SQL(
                "UPDATE city_dashboard_rollup SET cutoff = %s, last_run = now() AT TIME ZONE 'UTC',"
                " last_dirty = %s WHERE id = %s",
                new_cutoff,
                dirty,
                state.id,
            )
        )
        # Keep the latest mark at or before the new cut-off (the next run's floors) and later ones.
        self.env.cr.execute(
            SQL(
                "DELETE FROM city_dashboard_rollup_mark WHERE taken_at < ("
                " SELECT MAX(taken_at) FROM city_dashboard_rollup_mark WHERE taken_at <= %s)",
                new_cutoff,
            )
        )
        self.env.invalidate_all()
        return dirty

    @api.model
    def _city_floors(self, cutoff):
        """(escrow, redemption, ledger) ids at or below which every row was seen by a previous run."""
        if not cutoff:
            return (0, 0, 0)
        self.env.cr.execute(
            SQL(
                "SELECT escrow_id, redemption_id, ledger_id FROM city_dashboard_rollup_mark"
                " WHERE taken_at <= %s ORDER BY taken_at DESC LIMIT 1",
                cutoff,
            )
        )
        return self.env.cr.fetchone() or (0, 0, 0)

    @api.model
    def _city_rebuild(self):
        """Recompute every rollup from the base tables (installation, bulk imports)."""
        self.env.flush_all()
        for table in (
            "city_dashboard_slot",
            "city_dashboard_district_slot",
            "city_dashboard_member_day",
            "city_dashboard_points_day",
            "city_dashboard_member_visit",
            "city_dashboard_member_gap",
            "city_dashboard_merchant_gap",
            "city_dashboard_category_gap",
        ):
            self.env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
        self.env.cr.execute("UPDATE city_dashboard_rollup SET cutoff = NULL")
        return self._city_refresh()

    # --- state ------------------------------------------------------------------

    @api.model
    def _city_lock_state(self):
        """(state row, its cut-off), the row locked (one run at a time); None when another run holds it."""
        self.env.cr.execute("INSERT INTO city_dashboard_rollup (name) VALUES ('main') ON CONFLICT (name) DO NOTHING")
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id, cutoff FROM city_dashboard_rollup WHERE name = 'main' FOR UPDATE NOWAIT"
                )
                state_id, cutoff = self.env.cr.fetchone()
        except psycopg2.errors.LockNotAvailable:
            _logger.info("cockpit rollups: another run is in progress")
            return None
        # The cut-off is read here, not through the ORM, which drops its microseconds.
        return self.browse(state_id), cutoff

    @api.model
    def _city_tz(self):
        return self.env["ir.config_parameter"].sudo().get_param("city_dashboard.tz") or DEFAULT_TZ

    # --- recomputation ------------------------------------------------------------

    @api.model
    def _city_recompute(self, floors):
        cr = self.env.cr
        tz = self._city_tz()
        cr.execute("DROP TABLE IF EXISTS city_dashboard_dirty")
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE city_dashboard_dirty ON COMMIT DROP AS
                SELECT DISTINCT merchant_id, day,
                       (day::timestamp AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC' AS day_start,
                       ((day + 1)::timestamp AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC' AS day_end
                  FROM (SELECT merchant_id, %(escrow_day)s::date AS day
                          FROM city_escrow WHERE id > %(escrow_floor)s AND paid_date IS NOT NULL
                        UNION
                        SELECT merchant_id, %(redemption_day)s::date
                          FROM city_ticket_redemption WHERE id > %(redemption_floor)s) touched
                """,
                tz=tz,
                escrow_floor=floors[0],
                redemption_floor=floors[1],
                escrow_day=_local("paid_date", tz),
                redemption_day=_local("create_date", tz),
            )
        )
        dirty = cr.rowcount
        cr.execute("CREATE INDEX ON city_dashboard_dirty (merchant_id, day)")
        cr.execute("ANALYZE city_dashboard_dirty")
        few = dirty < DIRTY_FEW
        self._city_recompute_slots(tz, few)
        # Every paid line unseen: the district's member visits are built whole.
        self._city_recompute_member_days(tz, full=not floors[0], few=few)
        self._city_recompute_points(tz, floors[2])
        return dirty

    @api.model
    def _city_dirty_rows(self, table, column, few):
        """FROM the dirty merchant-days ``d`` and their rows of ``table`` (alias ``e``; ``column``: the
        row's time, naive UTC).

        A few merchant-days are read one by one through the base table's (merchant_id, time)
        index, in a LATERAL subquery the planner cannot flatten (``OFFSET 0``): joined, it takes
        each range bound to keep a third of a merchant's rows and scans the whole table. Many (a
        rebuild) are read by one hash join over the table."""
        cond = SQL(
            "e.merchant_id = d.merchant_id AND e.%s >= d.day_start AND e.%s < d.day_end",
            SQL.identifier(column),
            SQL.identifier(column),
        )
        if few:
            return SQL(
                "city_dashboard_dirty d CROSS JOIN LATERAL (SELECT * FROM %s e WHERE %s OFFSET 0) e",
                SQL.identifier(table),
                cond,
            )
        return SQL("city_dashboard_dirty d JOIN %s e ON %s", SQL.identifier(table), cond)

    @api.model
    def _city_recompute_slots(self, tz, few=False):
        cr = self.env.cr
        cr.execute(
            "DELETE FROM city_dashboard_slot s USING city_dashboard_dirty d"
            " WHERE s.merchant_id = d.merchant_id AND s.day = d.day"
        )
        cr.execute(
            SQL(
                """
                INSERT INTO city_dashboard_slot (company_id, merchant_id, day, weekday, slot, orders, lines, gmv,
                                                 redemptions, redeemed_uses)
                SELECT company_id, merchant_id, day, (EXTRACT(ISODOW FROM day)::int - 1)::varchar, slot,
                       SUM(orders), SUM(lines), SUM(gmv), SUM(redemptions), SUM(uses)
                  FROM (SELECT e.company_id, e.merchant_id, d.day, %(paid_slot)s AS slot,
                               COUNT(DISTINCT e.order_id) AS orders, COUNT(*) AS lines,
                               SUM(e.amount_paid) AS gmv, 0 AS redemptions, 0 AS uses
                          FROM %(escrow)s
                         GROUP BY 1, 2, 3, 4
                        UNION ALL
                        SELECT t.company_id, e.merchant_id, d.day, %(redeemed_slot)s, 0, 0, 0, COUNT(*),
                               SUM(e.uses)
                          FROM %(redemptions)s
                          JOIN city_ticket t ON t.id = e.ticket_id
                         GROUP BY 1, 2, 3, 4) parts
                 GROUP BY company_id, merchant_id, day, slot
                """,
                paid_slot=_slot(_local("e.paid_date", tz)),
                redeemed_slot=_slot(_local("e.create_date", tz)),
                escrow=self._city_dirty_rows("city_escrow", "paid_date", few),
                redemptions=self._city_dirty_rows("city_ticket_redemption", "create_date", few),
            )
        )
        self._city_recompute_district_slots(SQL("SELECT DISTINCT day FROM city_dashboard_dirty"))

    @api.model
    def _city_recompute_district_slots(self, days):
        """The district's slots of ``days`` (an SQL query of days): sums over their merchants' slots."""
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM city_dashboard_district_slot s WHERE s.day IN (%s)", days))
        cr.execute(
            SQL(
                """
                INSERT INTO city_dashboard_district_slot (company_id, day, weekday, slot, orders, lines, gmv,
                                                          redemptions, redeemed_uses)
                SELECT s.company_id, s.day, s.weekday, s.slot, SUM(s.orders), SUM(s.lines), SUM(s.gmv),
                       SUM(s.redemptions), SUM(s.redeemed_uses)
                  FROM city_dashboard_slot s
                 WHERE s.day IN (%s)
                 GROUP BY 1, 2, 3, 4
                """,
                days,
            )
        )

    @api.model
    def _city_rebuild_district(self):
        """The district's rollups (slots, member visits and gaps) from the merchants' (the 1.1 migration)."""
        self._city_recompute_district_slots(SQL("SELECT DISTINCT day FROM city_dashboard_slot"))
        self._city_rebuild_member_gaps()
        self._city_rebuild_merchant_gaps()
        self._city_rebuild_category_gaps()

    @api.model
    def _city_recompute_member_days(self, tz, full=False, few=False):
        cr = self.env.cr
        if not full:
            # The rows before the run: the members whose days change are those whose rows differ after it.
            cr.execute("DROP TABLE IF EXISTS city_dashboard_member_old")
            cr.execute(
                "CREATE TEMP TABLE city_dashboard_member_old ON COMMIT DROP AS"
                " SELECT m.company_id, m.merchant_id, m.partner_id, m.day, m.orders"
                " FROM city_dashboard_member_day m JOIN city_dashboard_dirty d"
                " ON m.merchant_id = d.merchant_id AND m.day = d.day"
            )
        cr.execute(
            "DELETE FROM city_dashboard_member_day m USING city_dashboard_dirty d"
            " WHERE m.merchant_id = d.merchant_id AND m.day = d.day"
        )
        cr.execute(
            SQL(
                """
                INSERT INTO city_dashboard_member_day (company_id, merchant_id, partner_id, day, orders, gmv,
                                                       first_visit)
                SELECT e.company_id, e.merchant_id, e.partner_id, d.day, COUNT(DISTINCT e.order_id),
                       SUM(e.amount_paid), FALSE
                  FROM %s
                 WHERE e.partner_id IS NOT NULL
                 GROUP BY 1, 2, 3, 4
                """,
                self._city_dirty_rows("city_escrow", "paid_date", few),
            )
        )
        self._city_mark_first_visits()
        if full:
            self._city_rebuild_member_gaps()
            self._city_rebuild_merchant_gaps()
            self._city_rebuild_category_gaps()
            return
        changes = self._city_member_changes()
        if changes:
            self._city_update_member_gaps()
            self._city_update_merchant_gaps()
        if self._city_categories_moved():
            self._city_rebuild_category_gaps()
        elif changes:
            self._city_update_category_gaps()

    @api.model
    def _city_mark_first_visits(self):
        """Mark each member's first day at a merchant, for the members of the recomputed days.

        A late commit can bring a day before a member's known first visit: every day of
        the members touched is marked again (only the rows whose mark changes are written:
        the rows are inserted unmarked, a run writes the few first visits among them).
        """
        self.env.cr.execute(
            """
            WITH touched AS (
                SELECT DISTINCT m.merchant_id, m.partner_id, m.company_id
                  FROM city_dashboard_member_day m
                  JOIN city_dashboard_dirty d ON m.merchant_id = d.merchant_id AND m.day = d.day
            ), first AS (
                SELECT m.merchant_id, m.partner_id, m.company_id, MIN(m.day) AS day
                  FROM touched t
                  JOIN city_dashboard_member_day m
                    ON m.partner_id = t.partner_id AND m.merchant_id = t.merchant_id AND m.company_id = t.company_id
                 GROUP BY 1, 2, 3
            )
            UPDATE city_dashboard_member_day m SET first_visit = (m.day = f.day)
              FROM first f
             WHERE m.partner_id = f.partner_id AND m.merchant_id = f.merchant_id AND m.company_id = f.company_id
               AND m.first_visit IS DISTINCT FROM (m.day = f.day)
            """
        )

    # --- the district's member visits and gaps (city_dashboard_member_gap.py) ----------------

    @api.model
    def _city_gap_rows(self, visits, key=None):
        """SELECT (company_id, day, gap_prev, gap_next, members) of the visits of ``visits``
        (an SQL source of company_id, partner_id, day, orders and an ``emit`` flag: the visits
        counted; the others are their neighbours). With ``key`` (``merchant_id``, ``category_id``):
        visits to one merchant or category (a column of ``visits`` too), rows (company_id, key, day, ...)."""
        column = key
        return SQL(
            """
            SELECT company_id, %(key)s day, gap_prev, gap_next, COUNT(*) AS members
              FROM (SELECT v.company_id, %(vkey)s v.day, v.emit,
                           CASE WHEN LAG(v.day) OVER w IS NULL THEN 0
                                ELSE LEAST(v.day - LAG(v.day) OVER w, %(cap)s) END AS gap_prev,
                           CASE WHEN v.orders >= 2 THEN 0
                                WHEN LEAD(v.day) OVER w IS NULL THEN %(cap)s
                                ELSE LEAST(LEAD(v.day) OVER w - v.day, %(cap)s) END AS gap_next
                      FROM (%(visits)s) v
                    WINDOW w AS (PARTITION BY v.company_id, %(vkey)s v.partner_id ORDER BY v.day)) c
             WHERE emit
             GROUP BY %(group)s
            """,
            cap=GAP_CAP,
            visits=visits,
            key=SQL("%s, ", SQL.identifier(column)) if column else SQL(""),
            vkey=SQL("%s, ", SQL.identifier("v", column)) if column else SQL(""),
            group=SQL("1, 2, 3, 4, 5") if column else SQL("1, 2, 3, 4"),
        )

    @api.model
    def _city_rebuild_member_gaps(self):
        """Every member's visits to the district and the gap rows, from the member-day rollup."""
        cr = self.env.cr
        cr.execute("DELETE FROM city_dashboard_member_gap")
        cr.execute("DELETE FROM city_dashboard_member_visit")
        cr.execute(
            "INSERT INTO city_dashboard_member_visit (company_id, partner_id, day, orders)"
            " SELECT company_id, partner_id, day, SUM(orders) FROM city_dashboard_member_day GROUP BY 1, 2, 3"
        )
        cr.execute(
            SQL(
                "INSERT INTO city_dashboard_member_gap (company_id, day, gap_prev, gap_next, members) %s",
                self._city_gap_rows(
                    SQL("SELECT company_id, partner_id, day, orders, TRUE AS emit FROM city_dashboard_member_visit")
                ),
            )
        )

    @api.model
    def _city_update_member_gaps(self):
        """The gap rows of the members whose member-day rows changed in this run.

        A member's changed days lie in [lo, hi]; the visits whose gaps may change are those
        from the last visit before ``lo`` to the first after ``hi`` (the window): their
        contributions are taken out (visits as before), the visits updated, and put back.
        """
        cr = self.env.cr
        for table in ("city_dashboard_touched", "city_dashboard_touched_member", "city_dashboard_gap_delta"):
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        cr.execute(
            "CREATE TEMP TABLE city_dashboard_touched ON COMMIT DROP AS"
            " SELECT DISTINCT company_id, partner_id, day FROM city_dashboard_member_changed"
        )
        cr.execute(
            """
            CREATE TEMP TABLE city_dashboard_touched_member ON COMMIT DROP AS
            SELECT t.company_id, t.partner_id, t.lo, t.hi, a.w_lo, b.w_hi,
                   COALESCE(c.pp, a.w_lo, t.lo) AS read_from, COALESCE(e.nn, b.w_hi, t.hi) AS read_to
              FROM (SELECT company_id, partner_id, MIN(day) AS lo, MAX(day) AS hi
                      FROM city_dashboard_touched GROUP BY 1, 2) t
             CROSS JOIN LATERAL (SELECT MAX(day) AS w_lo FROM city_dashboard_member_visit v
                                  WHERE v.company_id = t.company_id AND v.partner_id = t.partner_id
                                    AND v.day < t.lo) a
             CROSS JOIN LATERAL (SELECT MIN(day) AS w_hi FROM city_dashboard_member_visit v
                                  WHERE v.company_id = t.company_id AND v.partner_id = t.partner_id
                                    AND v.day > t.hi) b
             CROSS JOIN LATERAL (SELECT MAX(day) AS pp FROM city_dashboard_member_visit v
                                  WHERE v.company_id = t.company_id AND v.partner_id = t.partner_id
                                    AND v.day < a.w_lo) c
             CROSS JOIN LATERAL (SELECT MIN(day) AS nn FROM city_dashboard_member_visit v
                                  WHERE v.company_id = t.company_id AND v.partner_id = t.partner_id
                                    AND v.day > b.w_hi) e
            """
        )
        window = SQL(
            """
            SELECT v.company_id, v.partner_id, v.day, v.orders,
                   v.day BETWEEN COALESCE(t.w_lo, t.lo) AND COALESCE(t.w_hi, t.hi) AS emit
              FROM city_dashboard_touched_member t
              JOIN city_dashboard_member_visit v
                ON v.company_id = t.company_id AND v.partner_id = t.partner_id
               AND v.day BETWEEN t.read_from AND t.read_to
            """
        )
        cr.execute(
            SQL(
                "CREATE TEMP TABLE city_dashboard_gap_delta ON COMMIT DROP AS"
                " SELECT company_id, day, gap_prev, gap_next, -members AS members FROM (%s) before",
                self._city_gap_rows(window),
            )
        )
        cr.execute(
            "DELETE FROM city_dashboard_member_visit v USING city_dashboard_touched t"
            " WHERE v.company_id = t.company_id AND v.partner_id = t.partner_id AND v.day = t.day"
        )
        cr.execute(
            """
            INSERT INTO city_dashboard_member_visit (company_id, partner_id, day, orders)
            SELECT t.company_id, t.partner_id, t.day, SUM(m.orders)
              FROM city_dashboard_touched t
              JOIN city_dashboard_member_day m
                ON m.partner_id = t.partner_id AND m.day = t.day AND m.company_id = t.company_id
             GROUP BY 1, 2, 3
            """
        )
        cr.execute(SQL("INSERT INTO city_dashboard_gap_delta %s", self._city_gap_rows(window)))
        self._city_apply_gap_delta("city_dashboard_member_gap", "city_dashboard_gap_delta", ["company_id"])

    @api.model
    def _city_member_changes(self):
        """The member-day rows (company, merchant, member, day) this run added, removed or changed, in
        ``city_dashboard_member_changed``; return their number."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS city_dashboard_member_changed")
        cr.execute(
            """
            CREATE TEMP TABLE city_dashboard_member_changed ON COMMIT DROP AS
            WITH new AS (
                SELECT m.company_id, m.merchant_id, m.partner_id, m.day, m.orders
                  FROM city_dashboard_member_day m
                  JOIN city_dashboard_dirty d ON m.merchant_id = d.merchant_id AND m.day = d.day
            )
            SELECT DISTINCT company_id, merchant_id, partner_id, day
              FROM ((SELECT * FROM new EXCEPT ALL SELECT * FROM city_dashboard_member_old)
                    UNION ALL
                    (SELECT * FROM city_dashboard_member_old EXCEPT ALL SELECT * FROM new)) changed
            """
        )
        return cr.rowcount

    @api.model
    def _city_apply_gap_delta(self, table, delta, keys):
        """Add the signed ``members`` of the ``delta`` table to the gap rollup ``table`` (key columns
        ``keys`` then day, gap_prev, gap_next) and drop the rows left at zero (constants of this module)."""
        cols = SQL(", ").join([SQL.identifier(k) for k in [*keys, "day", "gap_prev", "gap_next"]])
        same = SQL(" AND ").join([SQL("g.%s = d.%s", SQL.identifier(k), SQL.identifier(k)) for k in [*keys, "day"]])
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (%(cols)s, members)
                SELECT %(cols)s, SUM(members) FROM %(delta)s GROUP BY %(cols)s HAVING SUM(members) != 0
                    ON CONFLICT (%(cols)s) DO UPDATE SET members = %(table)s.members + EXCLUDED.members
                """,
                table=SQL.identifier(table),
                delta=SQL.identifier(delta),
                cols=cols,
            )
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s g USING (SELECT DISTINCT %s, day FROM %s) d WHERE %s AND g.members = 0",
                SQL.identifier(table),
                SQL(", ").join([SQL.identifier(k) for k in keys]),
                SQL.identifier(delta),
                same,
            )
        )

    # --- each merchant's member gaps (city_dashboard_merchant_gap.py) ----------------------

    @api.model
    def _city_merchant_visits(self, where=None):
        """A member's visits to one merchant: its member-day rows (``where``: an SQL condition on ``m``)."""
        return SQL(
            "SELECT m.company_id, m.merchant_id, m.partner_id, m.day, m.orders, TRUE AS emit"
            " FROM city_dashboard_member_day m WHERE %s",
            where or SQL("TRUE"),
        )

    @api.model
    def _city_rebuild_merchant_gaps(self):
        """Every merchant's gap rows, from the member-day rollup."""
        cr = self.env.cr
        cr.execute("DELETE FROM city_dashboard_merchant_gap")
        cr.execute(
            SQL(
                "INSERT INTO city_dashboard_merchant_gap (company_id, merchant_id, day, gap_prev, gap_next, members)"
                " %s",
                self._city_gap_rows(self._city_merchant_visits(), key="merchant_id"),
            )
        )

    @api.model
    def _city_update_merchant_gaps(self):
        """The gap rows of the (member, merchant) pairs whose member-day rows changed in this run: the
        rows of their visits there as they were (the member-day rows outside the recomputed days and
        those saved before the run) taken out, those of their visits now put back."""
        cr = self.env.cr
        for table in ("city_dashboard_touched_pair", "city_dashboard_merchant_gap_delta"):
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        cr.execute(
            "CREATE TEMP TABLE city_dashboard_touched_pair ON COMMIT DROP AS"
            " SELECT DISTINCT company_id, merchant_id, partner_id FROM city_dashboard_member_changed"
        )
        pair = SQL(
            "EXISTS (SELECT 1 FROM city_dashboard_touched_pair t WHERE t.company_id = m.company_id"
            " AND t.merchant_id = m.merchant_id AND t.partner_id = m.partner_id)"
        )
        before = SQL(
            "%s UNION ALL SELECT m.company_id, m.merchant_id, m.partner_id, m.day, m.orders, TRUE"
            " FROM city_dashboard_member_old m WHERE %s",
            self._city_merchant_visits(
                SQL(
                    "%s AND NOT EXISTS (SELECT 1 FROM city_dashboard_dirty d"
                    " WHERE d.merchant_id = m.merchant_id AND d.day = m.day)",
                    pair,
                )
            ),
            pair,
        )
        cr.execute(
            SQL(
                "CREATE TEMP TABLE city_dashboard_merchant_gap_delta ON COMMIT DROP AS"
                " SELECT company_id, merchant_id, day, gap_prev, gap_next, -members AS members FROM (%s) before",
                self._city_gap_rows(before, key="merchant_id"),
            )
        )
        cr.execute(
            SQL(
                "INSERT INTO city_dashboard_merchant_gap_delta %s",
                self._city_gap_rows(self._city_merchant_visits(pair), key="merchant_id"),
            )
        )
        self._city_apply_gap_delta(
            "city_dashboard_merchant_gap", "city_dashboard_merchant_gap_delta", ["company_id", "merchant_id"]
        )

    # --- each category's member gaps (city_dashboard_category_gap.py) ----------------------

    @api.model
    def _city_category_visits(self, rows, where):
        """A member's visits to a category: its member-day rows ``rows`` (an SQL source of company_id,
        merchant_id, partner_id, day, orders, alias ``m``, with condition ``where``) at the category's
        merchants as noted, summed per day."""
        return SQL(
            """
            SELECT m.company_id, c.category_id, m.partner_id, m.day, SUM(m.orders) AS orders, TRUE AS emit
              FROM (%s) m
              JOIN city_dashboard_category_merchant c ON c.merchant_id = m.merchant_id
             WHERE %s
             GROUP BY 1, 2, 3, 4
            """,
            rows,
            where,
        )

    @api.model
    def _city_categories_moved(self):
        """Whether a merchant's category differs from the one the category gap rows count."""
        self.env.cr.execute(
            """
            SELECT EXISTS (
                (SELECT id, merchant_category_id FROM res_partner WHERE is_merchant AND merchant_category_id IS NOT NULL
                 EXCEPT SELECT merchant_id, category_id FROM city_dashboard_category_merchant)
                UNION ALL
                (SELECT merchant_id, category_id FROM city_dashboard_category_merchant
                 EXCEPT SELECT id, merchant_category_id FROM res_partner
                         WHERE is_merchant AND merchant_category_id IS NOT NULL))
            """
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _city_rebuild_category_gaps(self):
        """Note the merchants' categories and build every category's gap rows from the member-day rollup."""
        cr = self.env.cr
        cr.execute("DELETE FROM city_dashboard_category_gap")
        cr.execute("DELETE FROM city_dashboard_category_merchant")
        cr.execute(
            "INSERT INTO city_dashboard_category_merchant (merchant_id, category_id)"
            " SELECT id, merchant_category_id FROM res_partner WHERE is_merchant AND merchant_category_id IS NOT NULL"
        )
        cr.execute(
            SQL(
                "INSERT INTO city_dashboard_category_gap (company_id, category_id, day, gap_prev, gap_next, members)"
                " %s",
                self._city_gap_rows(
                    self._city_category_visits(SQL("SELECT * FROM city_dashboard_member_day"), SQL("TRUE")),
                    key="category_id",
                ),
            )
        )

    @api.model
    def _city_update_category_gaps(self):
        """The gap rows of the (member, category) pairs whose member-day rows changed in this run, as for
        the merchants (:meth:`_city_update_merchant_gaps`): out as they were, back as they are."""
        cr = self.env.cr
        for table in ("city_dashboard_touched_category", "city_dashboard_category_gap_delta"):
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        cr.execute(
            "CREATE TEMP TABLE city_dashboard_touched_category ON COMMIT DROP AS"
            " SELECT DISTINCT t.company_id, c.category_id, t.partner_id FROM city_dashboard_member_changed t"
            " JOIN city_dashboard_category_merchant c ON c.merchant_id = t.merchant_id"
        )
        pair = SQL(
            "EXISTS (SELECT 1 FROM city_dashboard_touched_category t WHERE t.company_id = m.company_id"
            " AND t.category_id = c.category_id AND t.partner_id = m.partner_id)"
        )
        # The pairs' members' rows only (the member-day rollup's (partner_id, day) index).
        members = SQL(
            "SELECT m.company_id, m.merchant_id, m.partner_id, m.day, m.orders FROM city_dashboard_member_day m"
            " WHERE m.partner_id IN (SELECT partner_id FROM city_dashboard_touched_category)"
        )
        before = SQL(
            "SELECT m.company_id, m.merchant_id, m.partner_id, m.day, m.orders FROM (%s) m"
            " WHERE NOT EXISTS (SELECT 1 FROM city_dashboard_dirty d WHERE d.merchant_id = m.merchant_id"
            " AND d.day = m.day)"
            " UNION ALL SELECT o.company_id, o.merchant_id, o.partner_id, o.day, o.orders"
            " FROM city_dashboard_member_old o",
            members,
        )
        cr.execute(
            SQL(
                "CREATE TEMP TABLE city_dashboard_category_gap_delta ON COMMIT DROP AS"
                " SELECT company_id, category_id, day, gap_prev, gap_next, -members AS members FROM (%s) before",
                self._city_gap_rows(self._city_category_visits(before, pair), key="category_id"),
            )
        )
        cr.execute(
            SQL(
                "INSERT INTO city_dashboard_category_gap_delta %s",
                self._city_gap_rows(self._city_category_visits(members, pair), key="category_id"),
            )
        )
        self._city_apply_gap_delta(
            "city_dashboard_category_gap", "city_dashboard_category_gap_delta", ["company_id", "category_id"]
        )

    @api.model
    def _city_recompute_points(self, tz, ledger_floor):
        """Points: the days touched by new ledger lines, for every merchant of those days."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS city_dashboard_dirty_points")
        cr.execute(
            SQL(
                "CREATE TEMP TABLE city_dashboard_dirty_points ON COMMIT DROP AS"
                " SELECT DISTINCT %s::date AS day FROM city_points_ledger l WHERE l.id > %s",
                _local("l.date", tz),
                ledger_floor,
            )
        )
        cr.execute("DELETE FROM city_dashboard_points_day p USING city_dashboard_dirty_points d WHERE p.day = d.day")
        cr.execute(
            SQL(
                """
                INSERT INTO city_dashboard_points_day (company_id, merchant_id, day, kind, points, lines)
                SELECT w.company_id, l.merchant_id, days.day, l.kind, SUM(l.points), COUNT(*)
                  FROM city_dashboard_dirty_points days
                  JOIN city_points_ledger l
                    ON l.date >= (days.day::timestamp AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC'
                   AND l.date < ((days.day + 1)::timestamp AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC'
                  JOIN city_points_wallet w ON w.id = l.wallet_id
                 GROUP BY 1, 2, 3, 4
                """,
                tz=tz,
            )
        )


class CityDashboardRollupMark(models.Model):
    """The highest id of each base table at a time (see the module docstring)."""

    _name = "city.dashboard.rollup.mark"
    _description = "Cockpit Rollup Mark"
    _log_access = False
    _order = "taken_at desc"

    taken_at = fields.Datetime(required=True, readonly=True, index=True)
    escrow_id = fields.Integer(readonly=True)
    redemption_id = fields.Integer(readonly=True)
    ledger_id = fields.Integer(readonly=True)
