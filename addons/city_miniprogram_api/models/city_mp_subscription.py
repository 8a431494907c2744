# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.tools import SQL

from .city_mp_error import MpError

# What the API sends as WeChat subscribe messages; the WeChat template of each is the
# system parameter ``city_miniprogram_api.template.<kind>``.
MESSAGE_KINDS = [
    ("ticket_issued", "Ticket Issued"),
    ("expiry_reminder", "Points Expiry Reminder"),
    ("coupon_received", "Coupon Received"),
    ("refund_done", "Refund Done"),
]
# Unused consents kept per member and template: WeChat lets them accumulate, a spammed
# report must not grow the table without bound.
MAX_OPEN_CONSENTS = 20


class CityMpSubscription(models.Model):
    """One consent of a member to one subscribe message (``wx.requestSubscribeMessage``
    answered ``accept``): a one-time subscription allows exactly one message, so each
    consent is used by one send."""

    _name = "city.mp.subscription"
    _description = "Mini-program Subscribe Message Consent"
    _order = "id"

    partner_id = fields.Many2one("res.partner", string="Member", required=True, ondelete="cascade", readonly=True)
    kind = fields.Selection(MESSAGE_KINDS, required=True, readonly=True)
    template_id = fields.Char(string="WeChat Template", required=True, readonly=True)
    used = fields.Boolean(readonly=True, index=True)
    used_at = fields.Datetime(readonly=True)

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS city_mp_subscription_open_idx"
                " ON city_mp_subscription (partner_id, kind, id) WHERE NOT COALESCE(used, FALSE)"
            )
        )

    @api.model
    def _templates(self):
        """``{kind: WeChat template id}`` of the configured templates."""
        get = self.env["ir.config_parameter"].sudo().get_param
        found = {kind: get(f"city_miniprogram_api.template.{kind}") for kind, _label in MESSAGE_KINDS}
        return {kind: template for kind, template in found.items() if template}

    @api.model
    def _record(self, partner, results):
        """Record what ``wx.requestSubscribeMessage`` answered (``{template id: "accept" | "reject" |
        "ban" | "filter"}``): one consent per accepted template. :return: the kinds accepted."""
        kinds = {template: kind for kind, template in self._templates().items()}
        unknown = sorted(set(results) - set(kinds))
        if unknown:
            raise MpError("unknown_template", _("Unknown message template: %s", unknown[0]), status=400)
        accepted = [kinds[template] for template, answer in results.items() if answer == "accept"]
        open_counts = dict(
            self.sudo()._read_group(
                [("partner_id", "=", partner.id), ("used", "=", False), ("kind", "in", accepted)], ["kind"], ["__count"]
            )
        )
        vals = [
            {"partner_id": partner.id, "kind": kind, "template_id": self._templates()[kind]}
            for kind in accepted
            if open_counts.get(kind, 0) < MAX_OPEN_CONSENTS
        ]
        self.sudo().create(vals)
        return sorted(accepted)

    @api.model
    def _take(self, partner, kind):
        """One unused consent of ``partner`` for ``kind``, locked (or an empty recordset)."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM city_mp_subscription
                    WHERE partner_id = %s AND kind = %s AND NOT COALESCE(used, FALSE)
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED""",
                partner.id,
                kind,
            )
        )
        row = self.env.cr.fetchone()
        return self.sudo().browse(row and row[0])

    @api.model
    def _open_counts(self, partner):
        """``{kind: unused consents}`` of ``partner``."""
        groups = self.sudo()._read_group([("partner_id", "=", partner.id), ("used", "=", False)], ["kind"], ["__count"])
        return dict(groups)

    def _use(self):
        self.write({"used": True, "used_at": fields.Datetime.now()})
