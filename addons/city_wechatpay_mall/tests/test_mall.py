# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Smart business district (智慧商圈): a member's payment at a shop's own till, notified by
the fake WeChat Pay at the WeChat Pay webhook, earns points once through city_loyalty;
the points notify sent by the cron carries exactly what was earned; a forged notice
writes nothing; a refund notice takes the points back, never below zero."""

from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.city_wechatpay.tests.common import WechatpayCommon
from odoo.addons.city_wechatpay.tests.fake_wechatpay import FakeWechatPay
from odoo.addons.city_wechatpay_mall.models import const
from odoo.addons.city_wechatpay_mall.tests import fake_mall

SHOP_MCHID = "1230000109"
PAST = "2020-01-01 00:00:00"


@tagged("post_install", "-at_install")
class TestMall(WechatpayCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fake_mall.install(cls.fake)
        cls.env["city.points.rule"].search([]).action_archive()
        cls.env["city.points.tier"].search([]).action_archive()
        cls.env["city.points.rule"].create(
            {"name": "商圈每元1分", "event": "purchase", "points_per_yuan": 1.0, "merchant_id": False}
        )
        cls.merchant_a.write({"city_mall_mchid": SHOP_MCHID, "city_mall_store_id": "A001"})
        cls.openid = "o-mall-member-0001"
        cls.member.sudo().write({"city_wx_openid": cls.openid})
        cls.Authorization = cls.env["city.wechatpay.mall.authorization"]
        cls.Authorization._mall_set(cls.provider, cls.fake.mchid, cls.openid, "authorized")
        cls.Payment = cls.env["city.wechatpay.mall.payment"]
        cls.Wallet = cls.env["city.points.wallet"]
        cls.cron = cls.env.ref("city_wechatpay_mall.ir_cron_mall_points_notify")

    def setUp(self):
        super().setUp()
        self.fake.points_notify_calls.clear()
        self.fake.points_notify_status = 204

    # ------------------------------------------------------------------ helpers
    def _post(self, event, resource, **kwargs):
        return self._post_notice(*fake_mall.notice(self.fake, event, resource, **kwargs))

    def _pay(self, amount=12345, openid=None, **overrides):
        resource = fake_mall.payment(self.fake, openid or self.openid, amount, SHOP_MCHID, "A001", **overrides)
        self.assertEqual(self._post(const.PAYMENT_EVENT, resource).status_code, 204)
        self.env.invalidate_all()
        return resource, self.Payment.search([("transaction_id", "=", resource["transaction_id"])])

    def _wallet(self):
        return self.Wallet._get_wallets(self.member, self.company)

    # ------------------------------------------------------------------ tests
    def test_payment_earns_points_once_and_notify_carries_them(self):
        triggers = self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.cron.id)])
        resource = fake_mall.payment(self.fake, self.openid, 12345, SHOP_MCHID, "A001")
        headers, body = fake_mall.notice(self.fake, const.PAYMENT_EVENT, resource)
        for _attempt in range(3):  # WeChat repeats the notice
            self.assertEqual(self._post_notice(headers, body).status_code, 204)
        self.env.invalidate_all()
        payment = self.Payment.search([("transaction_id", "=", resource["transaction_id"])])
        self.assertEqual(len(payment), 1)
        self.assertEqual((payment.partner_id, payment.merchant_id), (self.member, self.merchant_a))
        self.assertEqual((payment.company_id, payment.amount, payment.amount_fen), (self.company, 123.45, 12345))
        self.assertEqual((payment.state, payment.points), ("earned", 123))
        earned = self.env["city.points.ledger"].search([("source_ref", "=", f"{payment._name},{payment.id}")])
        self.assertEqual(earned, payment.ledger_id)
        self.assertEqual((earned.kind, earned.points, earned.merchant_id), ("earn", 123, self.merchant_a))
        self.assertEqual(self._wallet().balance, 123)
        self.assertEqual(payment.notice_id.state, "done")
        # The answer did not wait on WeChat: the notify is queued, its cron triggered.
        self.assertEqual((payment.notify_state, self.fake.points_notify_calls), ("pending", []))
        self.assertGreater(self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.cron.id)]), triggers)
        self.Payment._cron_points_notify()
        self.assertEqual(payment.notify_state, "done")
        (sent,) = self.fake.points_notify_calls
        self.assertEqual(
            {k: sent.get(k) for k in ("transaction_id", "openid", "earn_points", "increased_points", "total_points")},
            {
                "transaction_id": resource["transaction_id"],
                "openid": self.openid,
                "earn_points": True,
                "increased_points": 123,
                "total_points": 123,
            },
        )
        self.assertEqual(sent["appid"], self.fake.appid)
        self.assertTrue(sent["points_update_time"].endswith("+08:00"))
        self.Payment._cron_points_notify()
        self.assertEqual(len(self.fake.points_notify_calls), 1, "reported once")

    def test_forged_or_wrong_notices_refused_with_nothing_written(self):
        notices = self.env["city.wechatpay.notice"].search_count([])
        payments = self.Payment.search_count([])
        resource = fake_mall.payment(self.fake, self.openid, 5000, SHOP_MCHID, "A001")
        forged = self._post(const.PAYMENT_EVENT, resource, key=FakeWechatPay().wechat_key)
        self.assertEqual(forged.status_code, 401)
        self.assertEqual(forged.json()["code"], "FAIL")
        for wrong in ({"appid": "wxotherapp00000001"}, {"amount": 0}, {"transaction_id": ""}):
            with self.subTest(wrong):
                self.assertEqual(self._post(const.PAYMENT_EVENT, {**resource, **wrong}).status_code, 400)
        refund = fake_mall.refund(resource, 5000)  # of a payment never recorded
        self.assertEqual(self._post(const.REFUND_EVENT, refund).status_code, 400)
        self.env.invalidate_all()
        self.assertEqual(self.env["city.wechatpay.notice"].search_count([]), notices)
        self.assertEqual(self.Payment.search_count([]), payments)
        self.assertEqual(self._wallet().balance, 0)
        self.assertFalse(self.env["city.points.ledger"].search([("wallet_id.partner_id", "=", self.member.id)]))

    def test_no_points_reported_as_such_and_retried_after_a_failure(self):
        _resource, payment = self._pay(openid="o-not-a-member")
        self.assertEqual((payment.state, payment.points, payment.partner_id.id), ("rejected", 0, False))
        self.fake.points_notify_status = 500
        self.Payment._cron_points_notify()
        self.assertEqual((payment.notify_state, payment.notify_attempts), ("pending", 1))
        self.assertGreater(payment.notify_next, payment.create_date)
        self.fake.points_notify_status = 204
        payment.notify_next = PAST  # the back-off has passed
        self.Payment._cron_points_notify()
        self.assertEqual((payment.notify_state, payment.notify_attempts), ("done", 2))
        sent = self.fake.points_notify_calls[-1]
        self.assertEqual((sent["earn_points"], sent["increased_points"]), (False, 0))
        self.assertTrue(sent["no_points_remarks"])
        # WeChat refuses for good (4xx): failed; an operator reports it again.
        payment.write({"notify_state": "pending", "notify_next": PAST})
        self.fake.points_notify_status = 400
        self.Payment._cron_points_notify()
        self.assertEqual(payment.notify_state, "failed")
        self.fake.points_notify_status = 204
        with self.assertRaises(AccessError):
            payment.with_user(self.staff_a).action_retry_notify()
        payment.with_user(self.operator).action_retry_notify()
        self.Payment._cron_points_notify()
        self.assertEqual(payment.notify_state, "done")

    def test_refund_takes_points_back_never_below_zero(self):
        paid, payment = self._pay(10000)
        self.assertEqual(payment.points, 100)
        wallet = self._wallet()
        # Half refunded: half the points back.
        half = fake_mall.refund(paid, 5000)
        self.assertEqual(self._post(const.REFUND_EVENT, half).status_code, 204)
        self.assertEqual(self._post(const.REFUND_EVENT, half).status_code, 204, "a repeat: nothing more")
        self.env.invalidate_all()
        refund = payment.refund_ids
        self.assertEqual(
            (len(refund), refund.state, refund.points_taken, refund.points_short), (1, "clawed_back", 50, 0)
        )
        self.assertEqual((refund.ledger_id.kind, refund.ledger_id.points), ("adjust", -50))
        self.assertEqual(wallet.balance, 50)
        # The shop funded 100 points at 1 fen: half of it goes back to it (a revoke booking).
        self.assertEqual(payment.ledger_id.value_fen, 100)
        revoke = refund.ledger_id.booking_id
        self.assertEqual((revoke.kind, revoke.merchant_id, revoke.amount_fen), ("revoke", self.merchant_a, 50))
        self.assertEqual(revoke.reversed_ledger_id, payment.ledger_id)
        # The member spends 40 of what is left; the rest refunded: 50 due, 10 left to take.
        wallet._spend(40, merchant=self.merchant_a)
        rest = fake_mall.refund(paid, 5000)
        self.assertEqual(self._post(const.REFUND_EVENT, rest).status_code, 204)
        self.env.invalidate_all()
        last = payment.refund_ids.filtered(lambda r: r.refund_id == rest["refund_id"])
        self.assertEqual((last.state, last.points_due, last.points_taken, last.points_short), ("short", 50, 10, 40))
        self.assertEqual(wallet.balance, 0, "never below zero")
        revokes = self.env["city.settlement.allocation"].search(
            [
                ("role", "=", "points_revoke"),
                ("source_ref", "in", [f"city.points.booking,{b.id}" for b in (revoke | last.ledger_id.booking_id)]),
            ]
        )
        self.assertEqual(sorted(revokes.mapped("amount")), [0.1, 0.5], "60 points taken back: 60 fen returned")
        # More than paid: refused.
        self.assertEqual(self._post(const.REFUND_EVENT, fake_mall.refund(paid, 10001)).status_code, 400)
        # A refund more than 30 days after its payment takes nothing back.
        late_paid, late = self._pay(3000)
        late.paid_at = late.paid_at - timedelta(days=31)
        self.assertEqual(self._post(const.REFUND_EVENT, fake_mall.refund(late_paid, 3000)).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual((late.refund_ids.state, late.refund_ids.points_taken), ("late", 0))
        self.assertEqual(wallet.balance, 30)

    def test_points_earned_and_booked_in_the_shop_company(self):
        company_2 = self.env["res.company"].create({"name": "第二运营方（商圈）", "currency_id": self.currency.id})
        self.env.user.company_ids |= company_2
        self.env["city.points.rule"].create(
            {"name": "第二运营方 每元2分", "event": "purchase", "points_per_yuan": 2.0, "company_id": company_2.id}
        )
        self.merchant_b.write({"company_id": company_2.id, "city_mall_mchid": "1230000220"})
        resource = fake_mall.payment(self.fake, self.openid, 1000, "1230000220")
        self.assertEqual(self._post(const.PAYMENT_EVENT, resource).status_code, 204)
        self.env.invalidate_all()
        payment = self.Payment.search([("transaction_id", "=", resource["transaction_id"])])
        self.assertEqual((payment.company_id, payment.merchant_id, payment.points), (company_2, self.merchant_b, 20))
        self.assertEqual(payment.ledger_id.wallet_id.company_id, company_2)
        self.assertEqual(self.Wallet._get_wallets(self.member, company_2).balance, 20)
        self.assertEqual(self._wallet().balance, 0, "nothing in the first company")
        bookings = self.env["city.points.booking"].search([("ledger_ids", "in", payment.ledger_id.ids)])
        self.assertEqual(bookings.company_id, company_2)

    def test_merchant_staff_see_their_shop_only(self):
        _resource, payment = self._pay(800)
        self.merchant_b.write({"city_mall_mchid": "1230000110"})
        other = fake_mall.payment(self.fake, self.openid, 900, "1230000110")
        self.assertEqual(self._post(const.PAYMENT_EVENT, other).status_code, 204)
        self.env.invalidate_all()
        seen = self.Payment.with_user(self.staff_a).search([])
        self.assertEqual(seen, payment)
        with self.assertRaises(AccessError):
            seen.with_user(self.staff_a).read(["openid"])
        with self.assertRaises(AccessError):
            self.merchant_a.with_user(self.manager_a).write({"city_mall_mchid": "1999999999"})

    def test_service_provider_mode_reports_the_shop_sub_merchant(self):
        self.provider.write({"wechatpay_mode": "partner", "wechatpay_sub_mchid": self.fake.sub_mchid})
        _resource, payment = self._pay(2000)
        self.assertEqual(payment.points, 20)
        self.Payment._cron_points_notify()
        (sent,) = self.fake.points_notify_calls
        self.assertEqual((sent["sub_mchid"], sent["increased_points"]), (SHOP_MCHID, 20))

    # ------------------------------------------------------------------ authorisations
    def test_authorization_notice_applied_once_forged_refused(self):
        member = self.env["res.partner"].create({"name": "会员李四", "is_member": True, "city_wx_openid": "o-mall-2"})
        resource = fake_mall.authorization(self.fake, "o-mall-2")
        forged = self._post(const.AUTH_EVENT, resource, key=FakeWechatPay().wechat_key)
        self.assertEqual(forged.status_code, 401)
        other = self._post(const.AUTH_EVENT, {**resource, "mchid": "1999999999"})
        self.assertEqual(other.status_code, 400, "another district's merchant id")
        self.assertEqual(self._post(const.AUTH_EVENT, {**resource, "openid": ""}).status_code, 400)
        self.env.invalidate_all()
        self.assertFalse(self.Authorization.search([("partner_id", "=", member.id)]), "nothing written")
        headers, body = fake_mall.notice(self.fake, const.AUTH_EVENT, resource)
        for _attempt in range(2):  # WeChat repeats the notice
            self.assertEqual(self._post_notice(headers, body).status_code, 204)
        self.env.invalidate_all()
        auth = self.Authorization.search([("partner_id", "=", member.id)])
        self.assertEqual(len(auth), 1)
        self.assertEqual(
            (auth.state, auth.mchid, auth.source, auth.provider_id),
            ("authorized", self.fake.mchid, "notice", self.provider),
        )
        self.assertTrue(auth.authorized_at)
        self.assertEqual(auth.notice_id.state, "done")
        # Withdrawn later; a notice older than the state shown changes nothing.
        later = (datetime.now().astimezone() + timedelta(minutes=1)).isoformat(timespec="seconds")
        withdrawn = {**resource, "auth_type": "DEAUTHORIZED"}
        self.assertEqual(self._post(const.AUTH_EVENT, withdrawn, create_time=later).status_code, 204)
        earlier = (datetime.now().astimezone() - timedelta(hours=1)).isoformat(timespec="seconds")
        self.assertEqual(self._post(const.AUTH_EVENT, resource, create_time=earlier).status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(auth.state, "deauthorized")
        self.assertTrue(auth.deauthorized_at)
        with self.assertRaises(AccessError):
            auth.with_user(self.staff_a).read(["state"])

    def test_unauthorised_member_recorded_not_awarded(self):
        member = self.env["res.partner"].create({"name": "会员王五", "is_member": True, "city_wx_openid": "o-mall-3"})
        _resource, payment = self._pay(5000, openid="o-mall-3")
        self.assertEqual((payment.partner_id, payment.state, payment.points), (member, "rejected", 0))
        self.assertFalse(payment.authorized)
        self.assertIn(
            payment.reason,
            ("The member has not authorised the district's points service.", "该会员未授权商圈会员积分服务。"),
        )
        self.assertEqual(self.Wallet._get_wallets(member, self.company).balance, 0)
        seen = self.Payment.with_user(self.operator).search([("authorized", "=", False)])
        self.assertIn(payment, seen, "the operator finds it")
        self.Payment._cron_points_notify()
        sent = self.fake.points_notify_calls[-1]
        self.assertEqual((sent["earn_points"], sent["increased_points"]), (False, 0))
        _resource, authorised = self._pay(5000)
        self.assertTrue(authorised.authorized)
        self.assertEqual(authorised.points, 50)

    def test_authorization_query(self):
        member = self.env["res.partner"].create({"name": "会员赵六", "is_member": True, "city_wx_openid": "o-mall-4"})
        fake_mall.set_authorization(self.fake, "o-mall-4", "AUTHORIZED", authorize_time="2026-01-02T10:00:00+08:00")
        auth = self.Authorization._mall_query(self.provider, "o-mall-4")
        self.assertEqual((auth.state, auth.source, auth.partner_id), ("authorized", "query", member))
        self.assertEqual(auth.authorized_at, datetime(2026, 1, 2, 2, 0))
        self.assertEqual(self.fake.mall_authorization_queries[-1]["appid"], self.fake.appid)
        fake_mall.set_authorization(self.fake, "o-mall-4", "DEAUTHORIZED", deauthorize_time=fake_mall.now_iso())
        with self.assertRaises(AccessError):
            auth.with_user(self.staff_a).action_refresh()
        auth.with_user(self.operator).action_refresh()
        self.assertEqual(auth.state, "deauthorized")
        _resource, payment = self._pay(1000, openid="o-mall-4")
        self.assertEqual((payment.state, payment.authorized), ("rejected", False))
