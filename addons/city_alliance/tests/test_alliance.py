# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CityAllianceCommon


@tagged("post_install", "-at_install")
class TestAllianceWorkflow(CityAllianceCommon):
    def _draft(self):
        return (
            self.env["city.alliance"]
            .with_user(self.operator)
            .create(
                {
                    "name": "影院茶饮联盟",
                    "member_ids": [
                        Command.create({"merchant_id": self.merchant_a.id, "points_clearing_fen": 0.8}),
                        Command.create({"merchant_id": self.ktv.id}),
                    ],
                }
            )
        )

    def test_invitation_accept_approve(self):
        alliance = self._draft()
        member_a, member_ktv = alliance.member_ids.sorted("id")
        self.assertEqual((alliance.state, member_a.state), ("draft", "invited"))
        # Only the invited merchant's manager answers: not its staff, not another merchant's manager.
        with self.assertRaises(AccessError):
            member_a.with_user(self.staff_a).action_accept()
        with self.assertRaises(UserError):
            member_a.with_user(self.manager_ktv).action_accept()
        # Nobody accepted: nothing to approve.
        with self.assertRaises(UserError):
            alliance.action_approve()
        member_a.with_user(self.manager_a).action_accept()
        self.assertEqual((member_a.state, member_a.accepted_uid), ("accepted", self.manager_a))
        with self.assertRaises(UserError, msg="an answered invitation stays answered"):
            member_a.with_user(self.manager_a).action_decline()
        member_ktv.with_user(self.manager_ktv).action_decline()
        # The Operator approves; a manager cannot.
        with self.assertRaises(AccessError):
            alliance.with_user(self.manager_a).action_approve()
        alliance.action_approve()
        self.assertEqual(alliance.state, "active")
        self.assertEqual((member_a.state, member_ktv.state), ("approved", "declined"))
        self.assertTrue(alliance._city_is_running())
        member_ktv.action_reinvite()
        member_ktv.with_user(self.manager_ktv).action_accept()
        member_ktv.action_approve()
        self.assertEqual(member_ktv.state, "approved")

    def test_validity_and_archive(self):
        alliance = self.alliance.with_user(self.operator)
        with self.assertRaises(ValidationError):
            alliance.write({"date_end": "2000-01-01"})
        today = alliance.date_start
        self.assertTrue(alliance._city_is_running(today))
        alliance.date_end = today
        self.assertFalse(alliance._city_is_running(today.replace(year=today.year + 1)))
        with self.assertRaises(UserError, msg="alliances are archived, not deleted"):
            alliance.sudo().unlink()
        alliance.action_archive()
        self.assertFalse(alliance.active)
        self.assertFalse(alliance._city_is_running(today))
        self.assertTrue(alliance.exists())

    def test_record_rules(self):
        other = self._draft()  # merchant A (tea) and the KTV
        Alliance = self.env["city.alliance"]
        ids = (self.alliance | other).ids
        self.assertEqual(Alliance.with_user(self.manager_hotpot).search([("id", "in", ids)]), self.alliance)
        self.assertEqual(Alliance.with_user(self.manager_a).search([("id", "in", ids)]), other)
        self.assertEqual(len(Alliance.with_user(self.staff_ktv).search([("id", "in", ids)])), 2)
        self.assertEqual(len(Alliance.with_user(self.operator).search([("id", "in", ids)])), 2)
        with self.assertRaises(AccessError):
            self.alliance.with_user(self.manager_a).read(["name"])
        with self.assertRaises(AccessError, msg="merchants do not edit alliance terms"):
            self.alliance.member_ids[:1].with_user(self.manager_hotpot).write({"points_clearing_fen": 9})
        members = self.env["city.alliance.member"].with_user(self.manager_a).search([])
        self.assertEqual(members.alliance_id, other)
        with self.assertRaises(AccessError):
            Alliance.with_user(self.manager_a).create({"name": "自建联盟"})


@tagged("post_install", "-at_install")
class TestAllianceTerms(CityAllianceCommon):
    def test_clearing_rate_overrides_company_default(self):
        Booking = self.env["city.points.booking"]
        self.assertEqual(Booking._rate_for(self.company, "redeem", self.ktv), 1.0)
        member_ktv = self.alliance.member_ids.filtered(lambda m: m.merchant_id == self.ktv)
        member_ktv.points_clearing_fen = 0.6
        self.assertEqual(Booking._rate_for(self.company, "redeem", self.ktv), 0.6)
        self.assertEqual(Booking._rate_for(self.company, "redeem", self.merchant_a), 1.0, "not a member")
        self.assertEqual(Booking._rate_for(self.company, "issue", self.ktv), self.company.city_points_issue_fen)
        # A real spend at the KTV is reimbursed at the alliance's rate: 333 points × 0.6 fen = ¥2.00 (1.998).
        wallet = self._wallet()
        wallet._earn(500)
        wallet._spend(333, merchant=self.ktv)
        booking = Booking.search([("merchant_id", "=", self.ktv.id), ("kind", "=", "redeem")])
        self.assertEqual((booking.rate_fen, booking.amount_fen), (0.6, 200))
        allocation = self.env["city.settlement.allocation"].search(
            [("source_ref", "=", f"city.points.booking,{booking.id}")]
        )
        self.assertEqual(allocation.amount, 2.0)
        # Not accepting the alliance's points terms, or an alliance closed: the company default.
        member_ktv.points_accepted = False
        self.assertEqual(Booking._rate_for(self.company, "redeem", self.ktv), 1.0)
        member_ktv.points_accepted = True
        self.alliance.with_user(self.operator).action_close()
        self.assertEqual(Booking._rate_for(self.company, "redeem", self.ktv), 1.0)

    def test_joint_package_revenue_share(self):
        package = self.env["product.template"].create(
            {"name": "火锅+K歌套餐", "type": "service", "list_price": 199.0, "taxes_id": [Command.clear()]}
        )
        members = self.alliance.member_ids
        members.filtered(lambda m: m.merchant_id == self.hotpot).package_share = 2
        members.filtered(lambda m: m.merchant_id == self.ktv).package_share = 1
        alliance = self.alliance.with_user(self.operator)
        alliance.package_product_tmpl_id = package
        with self.assertRaises(AccessError):
            alliance.with_user(self.manager_hotpot).action_create_package_rule()
        alliance.action_create_package_rule()
        rule = self.alliance.package_split_rule_id
        self.assertEqual(rule.mode, "combo")
        self.assertEqual(
            sorted((c[1], float(c[2])) for c in rule._combo_components()), [(self.hotpot, 2.0), (self.ktv, 1.0)]
        )
        # A paid package escrows each member's share, cent-exact: 199 × 2/3 = 132.67, 199 × 1/3 = 66.33.
        order = self._create_paid_order(self.member, package.product_variant_id)
        escrows = order.city_escrow_ids
        self.assertEqual(
            sorted((e.merchant_id.name, e.amount_paid) for e in escrows), [("测试KTV", 66.33), ("测试火锅", 132.67)]
        )
