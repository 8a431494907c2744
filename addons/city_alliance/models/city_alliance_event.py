# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .city_alliance_trigger import EVENT_SELECTION

_logger = logging.getLogger(__name__)


class CityAllianceEvent(models.Model):
    """A member event waiting for the alliance triggers (append-only queue, lean).

    The paying transaction (or the scan, the delivery, the sign-in) only inserts
    one row here and wakes the event cron up (``ir.cron._trigger``): it never waits
    on a trigger, a cap or a budget and never fails because of them. The cron
    (:meth:`_cron_process_events`) takes pending rows with ``SKIP LOCKED``, books the
    coupons used on paid orders, attributes new customers and issues coupons.
    """

    _name = "city.alliance.event"
    _description = "Alliance Member Event"
    _order = "id"

    event_type = fields.Selection(EVENT_SELECTION, required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Member", required=True, readonly=True, ondelete="cascade")
    merchant_id = fields.Many2one("res.partner", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    amount = fields.Float(readonly=True, digits=(16, 2))
    event_date = fields.Datetime(required=True, readonly=True)
    source_model = fields.Char(readonly=True)
    source_res_id = fields.Integer(readonly=True)
    inactive_days = fields.Integer(readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("error", "Error")], default="pending", required=True, readonly=True
    )
    error = fields.Char(readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS city_alliance_event_pending_idx"
                " ON city_alliance_event (id) WHERE state = 'pending'"
            )
        )

    # ------------------------------------------------------------
    # APPEND (the hot path)
    # ------------------------------------------------------------

    @api.model
    def _city_append(self, vals_list):
        """Append events (one insert) and wake the event cron up after the commit."""
        vals_list = [vals for vals in vals_list if vals.get("partner_id")]
        if not vals_list:
            return self.browse()
        events = self.sudo().create(vals_list)
        self.env.ref("city_alliance.ir_cron_city_alliance_events").sudo()._trigger()
        return events

    # ------------------------------------------------------------
    # PROCESS (the cron)
    # ------------------------------------------------------------

    @api.model
    def _cron_process_events(self, batch_size=500):
        """Evaluate pending events in batches; re-trigger itself while some are left."""
        processed = self._city_process_pending(batch_size)
        if processed >= batch_size:
            self.env.ref("city_alliance.ir_cron_city_alliance_events").sudo()._trigger()
        return processed

    @api.model
    def _city_process_pending(self, batch_size=500):
        """Process up to ``batch_size`` pending events; the number processed."""
        self.flush_model(["state"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM city_alliance_event WHERE state = 'pending' ORDER BY id LIMIT %s"
                " FOR NO KEY UPDATE SKIP LOCKED",
                batch_size,
            )
        )
        events = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if not events:
            return 0
        events._city_process()
        return len(events)

    def _city_process(self):
        """Process these events: each in a savepoint, so one bad event never blocks the others.

        A unique-index violation of the issue log (a cap or budget slot taken by a
        concurrent run) leaves the event pending for the next run.
        """
        triggers = self.env["city.alliance.trigger"]._city_active_triggers()
        counters = {}
        for event in self:
            try:
                with self.env.cr.savepoint():
                    event._city_process_one(triggers, counters)
                    event.write({"state": "done"})
            except psycopg2.errors.UniqueViolation:
                counters.clear()  # recount from the log
                _logger.info("alliance event %s met a concurrent issue; left pending", event.id)
            except (UserError, ValidationError) as exc:
                event.write({"state": "error", "error": str(exc.args[0])[:250]})
            self.env.flush_all()

    def _city_process_one(self, triggers, counters):
        self.ensure_one()
        Issue = self.env["city.coupon.issue"].sudo()
        if self.event_type == "order_paid" and self.source_model == "sale.order":
            order = self.env["sale.order"].sudo().browse(self.source_res_id).exists()
            if order:
                Issue._city_book_used_coupons(order, self.merchant_id)
                self.env["city.alliance.attribution"].sudo()._city_attribute_order(order, self.merchant_id)
        vals_list = []
        for trigger in triggers.get(self.event_type, ()):
            if trigger.company_id != self.company_id:
                continue
            if self.event_type == "inactive" and trigger.inactive_days != self.inactive_days:
                continue
            if not trigger._city_matches(self):
                continue
            vals = trigger._city_prepare_issue(self, counters)
            if vals:
                vals_list.append(vals)
        if vals_list:
            Issue._city_issue_coupons(vals_list)
