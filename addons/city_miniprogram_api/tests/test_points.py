# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Points through city_loyalty's member API: wallet, ledger, sign-in, review of a used ticket,
the mall and its redemption (idempotent), rate limits."""

from odoo.tests import tagged

from odoo.addons.city_loyalty.tests.common import CityLoyaltyCommon

from .common import MiniProgramCommon


@tagged("post_install", "-at_install")
class TestPoints(MiniProgramCommon, CityLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        program = cls.env["loyalty.program"].create({"name": "10元券", "program_type": "coupons"})
        cls.reward = cls.env["city.points.reward"].create(
            {
                "name": "10元代金券",
                "kind": "coupon",
                "points_cost": 100,
                "loyalty_program_id": program.id,
                "merchant_id": cls.merchant_a.id,
                "quantity_limited": True,
                "quantity_available": 5,
            }
        )

    def test_wallet_sign_in_ledger(self):
        token, _refresh, member = self.login("openid-points")
        status, body, _response = self.call("GET", "/points", token=token)
        self.assertEqual((status, body["result"]["balance"]), (200, 0), body)
        status, body, _response = self.call("POST", "/points/sign-in", token=token)
        self.assertEqual((status, body["result"]), (200, {"points": 5, "balance": 5}), body)
        self.assertError(self.call("POST", "/points/sign-in", token=token), 409, "duplicate")
        self.assertEqual(self.env["city.points.rejection"].search_count([("partner_id", "=", member.id)]), 1)
        self._buy_tickets(self.voucher_a, member=member)  # ¥99: 99 points
        status, body, _response = self.call("GET", "/points/ledger?limit=1", token=token)
        self.assertEqual((body["result"]["total"], len(body["result"]["items"])), (2, 1), body)
        self.assertEqual(body["result"]["items"][0]["points"], 99)
        self.assertEqual(self.call("GET", "/points", token=token)[1]["result"]["balance"], 104)

    def test_review_of_a_used_ticket(self):
        token, _refresh, member = self.login("openid-reviewer")
        ticket = self._buy_tickets(self.voucher_a, member=member)
        review = {"rating": 5, "comment": "好吃"}
        self.assertError(self.call("POST", f"/tickets/{ticket.id}/review", review, token=token), 409, "not_used")
        self.env["city.ticket"].with_user(self.staff_a)._redeem_code(ticket.token)
        stranger = self.login("openid-review-stranger")[0]
        self.assertError(self.call("POST", f"/tickets/{ticket.id}/review", review, token=stranger), 404, "not_found")
        self.assertError(
            self.call("POST", f"/tickets/{ticket.id}/review", {"rating": 6}, token=token), 400, "invalid_rating"
        )
        status, body, _response = self.call("POST", f"/tickets/{ticket.id}/review", review, token=token)
        self.assertEqual((status, body["result"]["points"], body["result"]["reason"]), (200, 20, None), body)
        reviewed = self.env["city.mp.review"].browse(body["result"]["review_id"])
        self.assertEqual((reviewed.merchant_id, reviewed.rating, reviewed.comment), (self.merchant_a, 5, "好吃"))
        self.assertError(
            self.call("POST", f"/tickets/{ticket.id}/review", review, token=token), 409, "already_reviewed"
        )

    def test_mall_redemption_once_per_key(self):
        token, _refresh, member = self.login("openid-mall")
        self.Wallet._get_wallets(member)._earn(250)
        body = self.call("GET", "/rewards", token=token)[1]
        self.assertIn(self.reward.id, [r["id"] for r in body["result"]["items"]])
        url = f"/rewards/{self.reward.id}/redeem"
        self.assertError(self.call("POST", url, token=token), 400, "invalid_idempotency_key")
        headers = {"Idempotency-Key": "mall-1"}
        first = self.call("POST", url, token=token, headers=headers)
        self.assertEqual(first[0], 200, first[1])
        again = self.call("POST", url, token=token, headers=headers)
        self.assertEqual((first[0], first[1]["result"]["balance"], first[1]["result"]["replayed"]), (200, 150, False))
        self.assertEqual(again[1]["result"], dict(first[1]["result"], replayed=True))
        self.assertTrue(first[1]["result"]["coupon_code"])
        self.assertEqual(self.env["city.points.redemption"].search_count([("partner_id", "=", member.id)]), 1)
        self.assertEqual(self.call("POST", url, token=token, headers={"Idempotency-Key": "mall-2"})[0], 200)
        body, _response = self.assertError(
            self.call("POST", url, token=token, headers={"Idempotency-Key": "mall-3"}), 409, "refused"
        )
        self.assertEqual(self.Wallet._get_wallets(member).balance, 50, "the refused one spent nothing")
        self.assertError(self.call("POST", "/rewards/987654/redeem", token=token, headers=headers), 404, "not_found")
        # the card of the mall shows in the member's coupons
        body = self.call("GET", "/coupons", token=token)[1]
        self.assertEqual([c["source"] for c in body["result"]["items"]], ["loyalty", "loyalty"], body)

    def test_sign_in_rate_limited(self):
        self.env["ir.config_parameter"].sudo().set_param("city_miniprogram_api.rate_limit.sign_in", "2/600")
        token = self.login("openid-sign-in-spam")[0]
        self.call("POST", "/points/sign-in", token=token)
        self.call("POST", "/points/sign-in", token=token)
        _body, response = self.assertError(self.call("POST", "/points/sign-in", token=token), 429, "rate_limited")
        self.assertGreater(int(response.headers["Retry-After"]), 0)
