# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The district's calendar: money is dated by the day in Beijing time.

WeChat Pay's bills, the settlement cut-offs and the reconciliation all count days in
Beijing time (UTC+8); dating allocations and payouts by the UTC day (or the user's
time zone) put the payments of 00:00–08:00 on the day before their bill.
"""

from datetime import datetime

import pytz

DISTRICT_TZ = pytz.timezone("Asia/Shanghai")


def local_date(at=None):
    """The Beijing date of ``at`` (a naive UTC datetime as Odoo stores it; now by default)."""
    at = at or datetime.utcnow()
    return pytz.utc.localize(at).astimezone(DISTRICT_TZ).date()


def local_today(*_args):
    """Today in Beijing (usable as a field default)."""
    return local_date()
