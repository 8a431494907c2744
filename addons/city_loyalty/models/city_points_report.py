# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .city_points_ledger import KINDS


class CityPointsReport(models.Model):
    """Points analytics: issued, redeemed and expired points and their value, by merchant and period.

    A reporting view over the ledger (``_auto = False``); the redemption rate
    of every group is redeemed ÷ issued, computed from the group's sums.
    """

    _name = "city.points.report"
    _description = "Points Analysis"
    _auto = False
    _order = "date desc"

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    merchant_id = fields.Many2one("res.partner", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True)
    kind = fields.Selection(KINDS, readonly=True)
    issued_points = fields.Integer(readonly=True)
    redeemed_points = fields.Integer(readonly=True)
    expired_points = fields.Integer(readonly=True)
    issued_value = fields.Monetary(readonly=True)
    redeemed_value = fields.Monetary(readonly=True)
    expired_value = fields.Monetary(readonly=True)
    redemption_rate = fields.Float(string="Redemption Rate (%)", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT l.id, l.date, w.company_id, c.currency_id, l.merchant_id, w.partner_id, l.kind,
                           CASE WHEN l.kind = 'earn' THEN l.points ELSE 0 END AS issued_points,
                           CASE WHEN l.kind = 'spend' THEN -l.points ELSE 0 END AS redeemed_points,
                           CASE WHEN l.kind = 'expire' THEN -l.points ELSE 0 END AS expired_points,
                           CASE WHEN l.kind = 'earn' THEN l.value_fen / 100.0 ELSE 0 END AS issued_value,
                           CASE WHEN l.kind = 'spend' THEN l.value_fen / 100.0 ELSE 0 END AS redeemed_value,
                           CASE WHEN l.kind = 'expire' THEN l.value_fen / 100.0 ELSE 0 END AS expired_value,
                           0.0 AS redemption_rate
                      FROM city_points_ledger l
                      JOIN city_points_wallet w ON w.id = l.wallet_id
                      JOIN res_company c ON c.id = w.company_id
                )
                """,
                SQL.identifier(self._table),
            )
        )

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Fill each group's redemption rate from its own sums (a ratio cannot be summed)."""
        wants_rate = any(f.split(":")[0] == "redemption_rate" for f in fields)
        if wants_rate:
            fields = list({*fields, "issued_points:sum", "redeemed_points:sum"})
        groups = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)
        if wants_rate:
            for group in groups:
                issued = group.get("issued_points") or 0
                group["redemption_rate"] = (
                    round(100.0 * (group.get("redeemed_points") or 0) / issued, 2) if issued else 0.0
                )
        return groups
