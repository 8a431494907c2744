# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools.access import OPERATOR, check_groups

_logger = logging.getLogger(__name__)


class CitySegment(models.Model):
    """A member tag (夜宵党, 轻食控, 沉睡会员 …) computed nightly from behaviour.

    A member belongs to the segment when every positive rule selects them and no
    negated rule does. Membership rows keep when a member entered and left.
    """

    _name = "city.segment"
    _description = "Member Segment"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable technical code used by campaigns and integrations.")
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", default=lambda self: self.env.company
    )
    rule_ids = fields.One2many("city.segment.rule", "segment_id", string="Rules", copy=True)
    membership_ids = fields.One2many("city.member.segment", "segment_id", string="Memberships", readonly=True)
    member_count = fields.Integer(compute="_compute_member_count", string="Members")
    affinity_category_ids = fields.Many2many(
        "city.merchant.category",
        string="Preferred Categories",
        help="Recommendations rank merchants of these categories higher for the segment's members.",
    )
    affinity_weight = fields.Float(
        default=0.5, help="How much the preferred categories raise a recommendation (0.5 = +50 %)."
    )
    last_computed = fields.Datetime(readonly=True)
    last_entered = fields.Integer(string="Entered at Last Run", readonly=True)
    last_left = fields.Integer(string="Left at Last Run", readonly=True)

    _sql_constraints = [
        ("code_company_uniq", "unique(company_id, code)", "The code of a segment must be unique in its company."),
    ]

    def _compute_member_count(self):
        counts = dict(
            self.env["city.member.segment"]._read_group(
                [("segment_id", "in", self.ids), ("is_current", "=", True)], ["segment_id"], ["__count"]
            )
        )
        for segment in self:
            segment.member_count = counts.get(segment, 0)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_compute(self):
        check_groups(self.env, OPERATOR)
        self._city_compute()
        return True

    def action_view_members(self):
        check_groups(self.env, OPERATOR)
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Members of %s", self.name),
            "res_model": "city.member.segment",
            "view_mode": "list,form",
            "domain": [("segment_id", "=", self.id)],
            "context": {"search_default_filter_current": 1},
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _cron_compute_segments(self):
        self.sudo().search([])._city_compute()

    def _city_compute(self, now=None):
        """Recompute the membership of the segments of ``self``: one SQL statement each.

        Members newly selected get an open membership row (entered now); open rows of
        members no longer selected are closed (left now). Members neither entering
        nor leaving are not touched.

        :param now: the reference time (naive UTC; default now), for tests and replays
        :return: {segment id: (entered, left)}
        """
        now = now or fields.Datetime.now()
        tables = ["city_escrow", "city_ticket_redemption", "city_ticket", "city_member_event", "sale_order_line"]
        for model in ("city.escrow", "city.ticket.redemption", "city.ticket", "city.member.event", "sale.order.line"):
            self.env[model].flush_model()
        self.env["city.member.segment"].flush_model()
        _logger.debug("segments read %s", ", ".join(tables))
        result = {}
        for segment in self:
            rules = segment.rule_ids.filtered("active")
            positive = rules.filtered(lambda r: not r.negate)
            if not positive:
                raise UserError(_("Segment %s needs at least one rule that is not negated.", segment.name))
            selected = SQL(" INTERSECT ").join(rule._city_select_sql(now) for rule in positive)
            negated = rules - positive
            if negated:
                selected = SQL(
                    "(%s) EXCEPT (%s)", selected, SQL(" UNION ").join(r._city_select_sql(now) for r in negated)
                )
            self.env.cr.execute(
                SQL(
                    """
                    WITH selected AS (%(selected)s),
                    closed AS (
                        UPDATE city_member_segment ms
                           SET date_left = %(now)s, is_current = FALSE, write_date = %(now)s, write_uid = %(uid)s
                         WHERE ms.segment_id = %(segment)s AND ms.is_current
                           AND NOT EXISTS (SELECT 1 FROM selected s WHERE s.partner_id = ms.partner_id)
                     RETURNING ms.id
                    ),
                    entered AS (
                        INSERT INTO city_member_segment
                               (segment_id, partner_id, company_id, date_entered, is_current,
                                create_date, create_uid, write_date, write_uid)
                        SELECT %(segment)s, s.partner_id, %(company)s, %(now)s, TRUE, %(now)s, %(uid)s, %(now)s, %(uid)s
                          FROM selected s
                         WHERE NOT EXISTS (
                               SELECT 1 FROM city_member_segment ms
                                WHERE ms.segment_id = %(segment)s AND ms.partner_id = s.partner_id AND ms.is_current)
                     RETURNING id
                    )
                    SELECT (SELECT COUNT(*) FROM entered), (SELECT COUNT(*) FROM closed)
                    """,
                    selected=selected,
                    now=now,
                    uid=self.env.uid,
                    segment=segment.id,
                    company=segment.company_id.id,
                ),
            )
            entered, left = self.env.cr.fetchone()
            result[segment.id] = (entered, left)
            segment.sudo().write({"last_computed": now, "last_entered": entered, "last_left": left})
        self.env["city.member.segment"].invalidate_model()
        return result

    def _city_members(self):
        """The members currently in any of the segments of ``self``."""
        memberships = (
            self.env["city.member.segment"].sudo().search([("segment_id", "in", self.ids), ("is_current", "=", True)])
        )
        return memberships.partner_id
