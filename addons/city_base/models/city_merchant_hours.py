# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


def format_hour(value):
    """12.5 -> '12:30'; 24 -> '24:00'."""
    minutes = round(value * 60)
    return "%02d:%02d" % divmod(minutes, 60)


class CityMerchantHours(models.Model):
    """One opening period of a merchant on one weekday.

    ``hour_to`` not after ``hour_from`` means the period runs past midnight
    (a bar open 18:00–02:00); 00:00–24:00 is open all day.
    """

    _name = "city.merchant.hours"
    _description = "Merchant Opening Hours"
    _inherit = ["city.merchant.mixin"]
    _order = "merchant_id, dayofweek, hour_from"

    merchant_id = fields.Many2one(ondelete="cascade")
    dayofweek = fields.Selection(WEEKDAYS, string="Day", required=True, default="0")
    hour_from = fields.Float(string="Opens", required=True, default=10.0)
    hour_to = fields.Float(string="Closes", required=True, default=22.0)

    _sql_constraints = [
        (
            "hour_from_range",
            "CHECK(hour_from >= 0 AND hour_from < 24)",
            "Opening time must be between 00:00 and 23:59.",
        ),
        (
            "hour_to_range",
            "CHECK(hour_to > 0 AND hour_to <= 24)",
            "Closing time must be between 00:01 and 24:00.",
        ),
    ]

    @api.constrains("hour_from", "hour_to")
    def _check_period(self):
        for period in self:
            if period.hour_from == period.hour_to:
                raise ValidationError(_("Opening and closing times cannot both be %s.", format_hour(period.hour_from)))

    @api.depends("dayofweek", "hour_from", "hour_to")
    def _compute_display_name(self):
        days = dict(self._fields["dayofweek"]._description_selection(self.env))
        for period in self:
            period.display_name = "%s %s–%s" % (
                days.get(period.dayofweek, ""),
                format_hour(period.hour_from),
                format_hour(period.hour_to),
            )

    def _covers(self, weekday, hour):
        """True if this period has the merchant open on ``weekday`` (0 = Monday) at ``hour``."""
        self.ensure_one()
        day = int(self.dayofweek)
        if self.hour_from < self.hour_to:
            return day == weekday and self.hour_from <= hour < self.hour_to
        # Runs past midnight: the evening of its own day and the early hours of the next.
        return (day == weekday and hour >= self.hour_from) or ((day + 1) % 7 == weekday and hour < self.hour_to)
