# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
from datetime import datetime, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_base.tools.allocation import from_fen
from odoo.addons.city_wechatpay.models.payment_provider import WechatpayError

from . import const

_logger = logging.getLogger(__name__)

BEIJING = pytz.timezone("Asia/Shanghai")
PRIVATE_GROUPS = "city_base.group_operator,base.group_system"


def parse_time(value):
    """A WeChat RFC 3339 time (``2020-05-20T13:29:35.120+08:00``) as naive UTC, or None."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = BEIJING.localize(moment)
    return moment.astimezone(pytz.utc).replace(tzinfo=None)


def beijing_iso(moment):
    return pytz.utc.localize(moment).astimezone(BEIJING).isoformat(timespec="seconds")


class CityWechatpayMallPayment(models.Model):
    """A member's WeChat payment at a participating shop's own till (智慧商圈), notified by
    WeChat Pay: recorded once per WeChat order, points earned through city_loyalty, the
    result reported back to WeChat (points notify) by a cron."""

    _name = "city.wechatpay.mall.payment"
    _description = "Smart Business District Payment"
    _order = "id desc"
    _rec_name = "transaction_id"

    transaction_id = fields.Char(string="WeChat Pay Order Number", required=True, readonly=True)
    # The district's WeChat Pay account; the payment is the shop's company's (the earning is booked there).
    provider_id = fields.Many2one("payment.provider", required=True, readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    notice_id = fields.Many2one("city.wechatpay.notice", readonly=True, ondelete="set null")
    partner_id = fields.Many2one("res.partner", string="Member", readonly=True, index=True, ondelete="restrict")
    merchant_id = fields.Many2one("res.partner", string="Shop", readonly=True, index=True, ondelete="restrict")
    openid = fields.Char(readonly=True, groups=PRIVATE_GROUPS)
    appid = fields.Char(string="App ID", readonly=True)
    mchid = fields.Char(string="Shop Merchant ID", readonly=True)
    shop_name = fields.Char(readonly=True)
    shop_number = fields.Char(string="Store Number", readonly=True)
    amount_fen = fields.Integer(string="Amount (fen)", readonly=True)
    amount = fields.Monetary(readonly=True)
    paid_at = fields.Datetime(string="Paid On", readonly=True)
    state = fields.Selection(
        [("earned", "Points Earned"), ("rejected", "No Points")], required=True, readonly=True, index=True
    )
    points = fields.Integer(string="Points Earned", readonly=True)
    authorized = fields.Boolean(
        string="Member Authorised",
        readonly=True,
        help="The payer had authorised the district's points service when the payment was recorded "
        "(only authorised members earn points).",
    )
    reason = fields.Char(string="Why No Points", readonly=True)
    ledger_id = fields.Many2one("city.points.ledger", string="Earning", readonly=True, ondelete="restrict")
    rejection_id = fields.Many2one("city.points.rejection", readonly=True, ondelete="set null")
    total_points = fields.Integer(string="Member's Points After", readonly=True)
    notify_state = fields.Selection(
        [("pending", "To Report"), ("done", "Reported"), ("failed", "Report Failed")],
        string="Points Notify",
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    notify_attempts = fields.Integer(string="Report Attempts", readonly=True)
    notify_next = fields.Datetime(string="Next Report", readonly=True)
    notify_date = fields.Datetime(string="Reported On", readonly=True)
    notify_error = fields.Char(string="Report Error", readonly=True)
    refund_ids = fields.One2many("city.wechatpay.mall.refund", "payment_id", string="Refunds", readonly=True)

    _sql_constraints = [
        (
            "provider_transaction_unique",
            "UNIQUE(provider_id, transaction_id)",
            "A district payment is recorded once.",
        )
    ]

    # ------------------------------------------------------------
    # NOTICES
    # ------------------------------------------------------------

    @api.model
    def _mall_check(self, provider_sudo, resource):
        """Check a decrypted payment notice before it is recorded (read only).

        :raise ValidationError: incomplete data, or another app than the district's
        """
        for key in ("transaction_id", "openid", "mchid"):
            if not isinstance(resource.get(key), str) or not resource[key]:
                raise ValidationError(_("Incomplete district payment (%s).", key))
        amount = resource.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValidationError(_("Incomplete district payment (amount)."))
        apps = {provider_sudo.wechatpay_appid, provider_sudo.wechatpay_sub_appid} - {False, None, ""}
        if resource.get("appid") not in apps:
            raise ValidationError(_("District payment of another app."))

    @api.model
    def _mall_record(self, notice, resource):
        """Record the payment of a verified notice (once per WeChat order), earn its
        points and queue the points notify (the notice's answer never waits on WeChat)."""
        provider = notice.provider_id
        existing = self.search(
            [("provider_id", "=", provider.id), ("transaction_id", "=", resource["transaction_id"])], limit=1
        )
        if existing:
            return existing
        Partner = self.env["res.partner"]
        merchant = Partner._city_mall_find_shop(resource["mchid"], resource.get("shop_number"))
        payment = self.create(
            {
                "transaction_id": resource["transaction_id"],
                "provider_id": provider.id,
                "company_id": (merchant.company_id or provider.company_id).id,
                "notice_id": notice.id,
                "partner_id": Partner._city_mall_find_member(resource["openid"]).id,
                "merchant_id": merchant.id,
                "openid": resource["openid"],
                "appid": resource.get("appid"),
                "mchid": resource["mchid"],
                "shop_name": str(resource.get("shop_name") or resource.get("merchant_name") or "")[:128],
                "shop_number": resource.get("shop_number"),
                "amount_fen": resource["amount"],
                "amount": from_fen(resource["amount"]),
                "paid_at": parse_time(resource.get("time_end")) or fields.Datetime.now(),
                "state": "rejected",
                "notify_next": fields.Datetime.now(),
            }
        )
        payment._mall_earn()
        self.env.ref("city_wechatpay_mall.ir_cron_mall_points_notify")._trigger()
        return payment

    def _mall_earn(self):
        """Earn the payment's points through city_loyalty's purchase earning (its rules,
        caps and anti-abuse checks), in the shop's company."""
        self.ensure_one()
        Authorization = self.env["city.wechatpay.mall.authorization"]
        self.authorized = Authorization._mall_is_authorized(self.provider_id, self.sudo().openid)
        if not self.merchant_id:
            self.reason = _("The shop does not take part in the district's points.")
            return
        if not self.partner_id:
            self.reason = _("The payer is not a registered member.")
            return
        if not self.authorized:
            self.reason = _("The member has not authorised the district's points service.")
            return
        company = self.company_id
        Wallet = self.env["city.points.wallet"].with_company(company)
        purchase = {
            "partner": self.partner_id,
            "merchant": self.merchant_id,
            "amount_fen": self.amount_fen,
            "source_ref": f"{self._name},{self.id}",
            "date": self.paid_at,
        }
        lines, rejections = Wallet._earn_purchases([purchase], company=company)
        mine = lines.filtered(lambda line: line.wallet_id.partner_id == self.partner_id)
        wallet = Wallet._get_wallets(self.partner_id, company)
        values = {"total_points": wallet.balance}
        if mine:
            values.update(state="earned", points=sum(mine.mapped("points")), reason=False)
            values["ledger_id"] = mine.filtered(lambda line: (line.event_key or "").startswith("purchase:"))[:1].id
        else:
            rejection = rejections.filtered(lambda r: r.partner_id == self.partner_id)[:1]
            label = dict(rejection._fields["reason"]._description_selection(self.env)).get(rejection.reason)
            values.update(rejection_id=rejection.id, reason=rejection.message or label or _("No points to earn."))
        self.write(values)

    # ------------------------------------------------------------
    # POINTS NOTIFY (商圈会员积分同步)
    # ------------------------------------------------------------

    def _mall_notify_params(self):
        self.ensure_one()
        provider_sudo = self.provider_id.sudo()
        params = {
            "transaction_id": self.transaction_id,
            "openid": self.sudo().openid,
            "earn_points": self.state == "earned" and self.points > 0,
            "increased_points": self.points if self.state == "earned" else 0,
            "points_update_time": beijing_iso(self.create_date),
            "no_points_remarks": False if self.state == "earned" else (self.reason or "")[:80],
            "total_points": self.total_points if self.partner_id else None,
            "appid": self.appid,
        }
        if provider_sudo.wechatpay_mode == "partner":
            params["sub_mchid"] = self.mchid
        return params

    @api.model
    def _cron_points_notify(self, limit=const.NOTIFY_BATCH):
        """Report the queued payments' points to WeChat Pay; failures are retried later
        (backing off), each payment taken by one worker only (``SKIP LOCKED``)."""
        self.flush_model(["notify_state", "notify_next"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM city_wechatpay_mall_payment
                    WHERE notify_state = 'pending' AND (notify_next IS NULL OR notify_next <= %s)
                 ORDER BY id LIMIT %s FOR NO KEY UPDATE SKIP LOCKED""",
                fields.Datetime.now(),
                limit + 1,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        payments = self.sudo().browse(ids[:limit])
        for payment in payments:
            payment._mall_send_notify()
        if len(ids) > limit:
            self.env.ref("city_wechatpay_mall.ir_cron_mall_points_notify")._trigger()
        return payments

    def _mall_send_notify(self):
        """Send this payment's points notify once; a failure is recorded and retried later."""
        self.ensure_one()
        now = fields.Datetime.now()
        try:
            self.provider_id._wechatpay_call("mall_points_notify", **self._mall_notify_params())
        except WechatpayError as exc:
            attempts = self.notify_attempts + 1
            refused = bool(exc.wechatpay_status and 400 <= exc.wechatpay_status < 500)
            failed = refused or attempts >= const.NOTIFY_MAX_ATTEMPTS
            self.write(
                {
                    "notify_attempts": attempts,
                    "notify_error": str(exc.args[0])[:255],
                    "notify_state": "failed" if failed else "pending",
                    "notify_next": now + timedelta(minutes=min(2**attempts, 360)),
                }
            )
            _logger.info("District points notify of payment %s: %s", self.id, "failed" if failed else "retried")
            return False
        self.write(
            {
                "notify_state": "done",
                "notify_attempts": self.notify_attempts + 1,
                "notify_date": now,
                "notify_error": False,
            }
        )
        return True

    def action_retry_notify(self):
        """Report these payments' points to WeChat Pay again (after a failure)."""
        access.check_groups(self.env, access.OPERATOR, "base.group_system")
        self.check_access("read")
        # The queue is the module's: after the checks above.
        self.sudo().filtered(lambda p: p.notify_state == "failed").write(
            {"notify_state": "pending", "notify_next": fields.Datetime.now(), "notify_error": False}
        )
        self.env.ref("city_wechatpay_mall.ir_cron_mall_points_notify").sudo()._trigger()
        return True
