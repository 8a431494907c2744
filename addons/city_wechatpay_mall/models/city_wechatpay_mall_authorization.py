# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_wechatpay.models.payment_provider import WechatpayError

from . import const
from .city_wechatpay_mall_payment import PRIVATE_GROUPS, parse_time

_logger = logging.getLogger(__name__)

STATE_SELECTION = [
    ("authorized", "Authorised"),
    ("deauthorized", "Authorisation Withdrawn"),
    ("unauthorized", "Not Authorised"),
]


class CityWechatpayMallAuthorization(models.Model):
    """A member's authorisation of the district's points service (商圈会员积分服务), per
    district account (provider and the district's merchant id): set by WeChat Pay's
    authorisation notice (``MALL_AUTH.ACTIVATE_CARD``) or by the authorisation query
    (``GET /v3/businesscircle/user-authorizations/{openid}``). Only authorised members
    earn points from district payments."""

    _name = "city.wechatpay.mall.authorization"
    _description = "Smart Business District Points Authorisation"
    _order = "id desc"
    _rec_name = "partner_id"

    provider_id = fields.Many2one("payment.provider", required=True, readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    mchid = fields.Char(string="District Merchant ID", required=True, readonly=True)
    openid = fields.Char(required=True, readonly=True, groups=PRIVATE_GROUPS)
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True, index=True, ondelete="set null")
    state = fields.Selection(STATE_SELECTION, required=True, readonly=True, default="unauthorized", index=True)
    authorized_at = fields.Datetime(string="Authorised On", readonly=True)
    deauthorized_at = fields.Datetime(string="Withdrawn On", readonly=True)
    changed_at = fields.Datetime(string="State As Of", readonly=True, help="When WeChat Pay set the state shown.")
    auth_type = fields.Char(string="Authorisation Type", readonly=True)
    card_code = fields.Char(string="Member Card Code", readonly=True, groups=PRIVATE_GROUPS)
    notice_id = fields.Many2one("city.wechatpay.notice", string="Last Notice", readonly=True, ondelete="set null")
    source = fields.Selection([("notice", "Notice"), ("query", "Query")], readonly=True)

    _sql_constraints = [
        (
            "provider_mchid_openid_unique",
            "UNIQUE(provider_id, mchid, openid)",
            "A member's district authorisation is recorded once.",
        )
    ]

    # ------------------------------------------------------------
    # NOTICES
    # ------------------------------------------------------------

    @api.model
    def _mall_check(self, provider_sudo, resource):
        """Check a decrypted authorisation notice before it is recorded (read only).

        :raise ValidationError: incomplete data, or another merchant than the district's
        """
        for key in ("openid", "mchid"):
            if not isinstance(resource.get(key), str) or not resource[key]:
                raise ValidationError(_("Incomplete district authorisation (%s).", key))
        if resource["mchid"] not in self._mall_district_mchids(provider_sudo):
            raise ValidationError(_("District authorisation of another merchant."))

    @api.model
    def _mall_district_mchids(self, provider_sudo):
        return {provider_sudo.wechatpay_mchid, provider_sudo.wechatpay_sub_mchid} - {False, None, ""}

    @api.model
    def _mall_record(self, notice, resource):
        """Apply a verified authorisation notice: the member's state as of the notice's time
        (an older notice arriving late changes nothing)."""
        auth_type = str(resource.get("auth_type") or "")[:32]
        state = "deauthorized" if auth_type.upper() in const.DEAUTH_TYPES else "authorized"
        return self._mall_set(
            notice.provider_id,
            resource["mchid"],
            resource["openid"],
            state,
            at=parse_time(notice.create_time) or notice.create_date,
            notice=notice,
            extra={"auth_type": auth_type or False, "card_code": str(resource.get("code") or "")[:64] or False},
        )

    @api.model
    def _mall_set(self, provider, mchid, openid, state, at=None, notice=None, extra=None, source="notice"):
        """Record ``openid``'s authorisation ``state`` at the district account ``mchid`` of
        ``provider`` (once per member and account; the row locked while it changes)."""
        at = at or fields.Datetime.now()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """INSERT INTO city_wechatpay_mall_authorization
                       (provider_id, company_id, mchid, openid, state, create_uid, create_date, write_uid, write_date)
                   VALUES (%s, %s, %s, %s, 'unauthorized', %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
                   ON CONFLICT (provider_id, mchid, openid) DO NOTHING""",
                provider.id,
                provider.company_id.id,
                mchid,
                openid,
                self.env.uid,
                self.env.uid,
            )
        )
        self.env.cr.execute(
            SQL(
                """SELECT id FROM city_wechatpay_mall_authorization
                    WHERE provider_id = %s AND mchid = %s AND openid = %s FOR NO KEY UPDATE""",
                provider.id,
                mchid,
                openid,
            )
        )
        record = self.sudo().browse(self.env.cr.fetchone()[0])
        record.invalidate_recordset()
        if record.changed_at and record.changed_at > at:
            return record
        values = {
            "state": state,
            "changed_at": at,
            "source": source,
            "partner_id": self.env["res.partner"]._city_mall_find_member(openid).id or record.partner_id.id,
            **(extra or {}),
        }
        if notice:
            values["notice_id"] = notice.id
        if state == "authorized":
            values.setdefault("authorized_at", at)
        elif state == "deauthorized":
            values.setdefault("deauthorized_at", at)
        record.write(values)
        return record

    @api.model
    def _mall_is_authorized(self, provider, openid):
        """Whether ``openid`` has authorised the points service of ``provider``'s district."""
        return bool(
            self.sudo().search_count(
                [("provider_id", "=", provider.id), ("openid", "=", openid), ("state", "=", "authorized")], limit=1
            )
        )

    # ------------------------------------------------------------
    # QUERY (商圈会员积分服务授权查询)
    # ------------------------------------------------------------

    @api.model
    def _mall_query(self, provider, openid, appid=None):
        """Ask WeChat Pay for ``openid``'s authorisation and record it.

        :raise WechatpayError: WeChat Pay could not be reached or refused
        """
        provider_sudo = provider.sudo()
        partner_mode = provider_sudo.wechatpay_mode == "partner"
        mchid = provider_sudo.wechatpay_sub_mchid if partner_mode else provider_sudo.wechatpay_mchid
        kwargs = {"openid": openid, "appid": appid or provider_sudo.wechatpay_appid}
        if partner_mode and mchid:
            kwargs["sub_mchid"] = mchid
        data = provider._wechatpay_call("user_authorization", **kwargs)
        if data.get("openid") not in (None, openid):
            raise WechatpayError(_("WeChat Pay answered about another member."))
        state = const.AUTH_STATES.get(data.get("authorize_state"), "unauthorized")
        return self._mall_set(
            provider,
            mchid,
            openid,
            state,
            source="query",
            extra={
                "authorized_at": parse_time(data.get("authorize_time")) or False,
                "deauthorized_at": parse_time(data.get("deauthorize_time")) or False,
            },
        )

    def action_refresh(self):
        """Ask WeChat Pay for these members' current authorisation."""
        access.check_groups(self.env, access.OPERATOR, "base.group_system")
        self.check_access("read")
        # The openids are the operators' (checked above); the record is the module's.
        for record_sudo in self.sudo():
            try:
                self._mall_query(record_sudo.provider_id, record_sudo.openid)
            except WechatpayError as exc:
                raise UserError(exc.args[0]) from exc
        return True
