# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""1.1: the earning ledger line carries its lot; member and company come from the wallet.

Before the models load: copy each lot onto the ledger line that earned it,
point consumptions at those lines, give transfers-in their lot's issuer, then
drop the lot table (``city.points.lot`` becomes a view of the ledger) and the
ledger's member and company columns (now read through the wallet).
"""

import logging

from odoo.tools import SQL, sql

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version or sql.table_kind(cr, "city_points_lot") != sql.TableKind.Regular:
        return
    cr.execute("DROP VIEW IF EXISTS city_points_report")
    cr.execute(
        """
        ALTER TABLE city_points_ledger
            ADD COLUMN IF NOT EXISTS lot_remaining int4,
            ADD COLUMN IF NOT EXISTS lot_date timestamp,
            ADD COLUMN IF NOT EXISTS expiry_date date,
            ADD COLUMN IF NOT EXISTS lot_state varchar,
            ADD COLUMN IF NOT EXISTS lot_notified boolean
        """
    )
    cr.execute(
        """
        UPDATE city_points_ledger AS l
           SET lot_remaining = o.remaining, lot_date = o.date, expiry_date = o.expiry_date,
               lot_state = o.state, lot_notified = o.notified,
               merchant_id = CASE WHEN l.kind = 'transfer_in' THEN o.merchant_id ELSE l.merchant_id END
          FROM city_points_lot AS o
         WHERE o.ledger_id = l.id
        """
    )
    _logger.info("city_loyalty: %s points lots moved onto their ledger lines", cr.rowcount)
    cr.execute(
        """
        SELECT conname FROM pg_constraint
         WHERE conrelid = 'city_points_lot_consumption'::regclass AND confrelid = 'city_points_lot'::regclass
        """
    )
    for (name,) in cr.fetchall():
        cr.execute(SQL("ALTER TABLE city_points_lot_consumption DROP CONSTRAINT %s", SQL.identifier(name)))
    cr.execute(
        """
        UPDATE city_points_lot_consumption AS c
           SET lot_id = o.ledger_id
          FROM city_points_lot AS o
         WHERE o.id = c.lot_id
        """
    )
    cr.execute("DROP TABLE city_points_lot")
    cr.execute("ALTER TABLE city_points_ledger DROP COLUMN IF EXISTS partner_id, DROP COLUMN IF EXISTS company_id")
