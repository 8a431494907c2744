# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import time
from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.tools import SQL

from .city_mp_error import MpError

# name: (requests allowed per window, window in seconds); ir.config_parameter
# ``city_miniprogram_api.rate_limit.<name>`` = "<limit>/<window>" overrides it.
DEFAULT_LIMITS = {
    "login": (20, 60),
    "refresh": (30, 60),
    "order": (20, 60),
    "claim": (10, 60),
    "sign_in": (5, 60),
    "review": (10, 60),
    "redeem": (10, 60),
    "events": (60, 60),
}


class CityMpRateLimit(models.Model):
    """Windowed request counts of the API's rate limits, one row per (key, window).

    A key names who is limited (``login:ip:1.2.3.4``, ``order:member:42``); a new
    window starts a new row, so no row is shared by all clients of an endpoint.
    Counted in a cursor of its own and committed at once (without waiting for the
    disk): a refused or failed request still counts. Old windows are removed by the autovacuum.
    """

    _name = "city.mp.rate.limit"
    _description = "Mini-program API Rate Limit Window"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    window_start = fields.Integer(required=True, readonly=True, help="Unix time of the window's start.")
    hits = fields.Integer(required=True, default=0, readonly=True)

    _sql_constraints = [("key_window_uniq", "UNIQUE(key, window_start)", "One row per key and window.")]

    @api.model
    def _get_limit(self, name):
        raw = self.env["ir.config_parameter"].sudo().get_param(f"city_miniprogram_api.rate_limit.{name}")
        if raw:
            try:
                limit, window = (int(part) for part in raw.split("/"))
                if limit > 0 and window > 0:
                    return limit, window
            except ValueError:
                pass
        return DEFAULT_LIMITS[name]

    @api.model
    def _hit(self, name, key):
        """Count one request of ``key`` under the limit ``name``; :class:`MpError` 429 when over it."""
        limit, window = self._get_limit(name)
        now = time.time()
        start = int(now // window * window)
        hits = None
        for _attempt in range(3):
            try:
                with self.env.registry.cursor() as cr:
                    # The count's commit does not wait for the disk (synchronous_commit off): a
                    # crash may forget the last hits of a window, and the request is not slowed
                    # by a second flush of the write-ahead log.
                    cr.execute(
                        SQL(
                            """SET LOCAL synchronous_commit TO OFF;
                               INSERT INTO city_mp_rate_limit (key, window_start, hits) VALUES (%s, %s, 1)
                               ON CONFLICT (key, window_start) DO UPDATE SET hits = city_mp_rate_limit.hits + 1
                               RETURNING hits""",
                            f"{name}:{key}"[:255],
                            start,
                        )
                    )
                    hits = cr.fetchone()[0]
                break
            except psycopg2.errors.SerializationFailure:
                continue  # a concurrent hit of the same key: count again in a new transaction
        if hits is None or hits > limit:
            retry_after = max(1, int(start + window - now + 0.999))
            raise MpError(
                "rate_limited",
                _("Too many requests: try again in %s seconds.", retry_after),
                status=429,
                retry_after=retry_after,
            )

    @api.autovacuum
    def _gc_windows(self):
        cutoff = int(time.time() - timedelta(days=1).total_seconds())
        self.env.cr.execute(SQL("DELETE FROM city_mp_rate_limit WHERE window_start < %s", cutoff))
