# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Access matrix: what each role can read and change."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import CityTestCommon


@tagged("post_install", "-at_install")
class TestAccess(CityTestCommon):
    def test_merchant_profile_isolation(self):
        for user in (self.manager_a, self.staff_a):
            with self.subTest(user=user.login):
                self.assertMerchantIsolation(self.merchant_a, self.merchant_b, user_a=user, write_vals={"phone": "1"})
        # Searching merchants shows only their own.
        merchants = self.env["res.partner"].with_user(self.manager_a).search([("is_merchant", "=", True)])
        self.assertEqual(merchants.ids, self.merchant_a.ids)

    def test_merchant_contacts_follow_their_merchant(self):
        contact_b = self.env["res.partner"].create({"name": "B 的前台", "parent_id": self.merchant_b.id})
        contact_a = self.env["res.partner"].create({"name": "A 的前台", "parent_id": self.merchant_a.id})
        self.assertMerchantIsolation(contact_a, contact_b)

    def test_members_are_readable_not_writable(self):
        member = self.env["res.partner"].create({"name": "会员小王", "is_member": True})
        member.with_user(self.staff_a).read(["name"])
        with self.assertRaises(AccessError):
            member.with_user(self.manager_a).write({"name": "改名"})
        member.with_user(self.operator).write({"name": "小王"})

    def test_manager_edits_own_profile_staff_does_not(self):
        self.merchant_a.with_user(self.manager_a).write(
            {
                "merchant_contact_name": "店长",
                "opening_hours_ids": [(0, 0, {"dayofweek": "0", "hour_from": 8, "hour_to": 9})],
            }
        )
        with self.assertRaises(AccessError):
            self.merchant_a.with_user(self.staff_a).write({"merchant_contact_name": "店员"})
        with self.assertRaises(AccessError):
            self.merchant_a.opening_hours_ids[0].with_user(self.staff_a).write({"hour_from": 9.0})

    def test_opening_hours_follow_the_pattern(self):
        hours_a, hours_b = self.merchant_a.opening_hours_ids, self.merchant_b.opening_hours_ids
        self.assertMerchantIsolation(hours_a, hours_b, write_vals={"hour_from": 9.0})
        with self.assertRaises(AccessError):
            self.env["city.merchant.hours"].with_user(self.manager_a).create(
                {"merchant_id": self.merchant_b.id, "dayofweek": "0", "hour_from": 1, "hour_to": 2}
            )
        with self.assertRaises(AccessError):
            hours_a[0].with_user(self.manager_a).write({"merchant_id": self.merchant_b.id})
        # A merchant user's new record defaults to its own merchant.
        hours = self.env["city.merchant.hours"].with_user(self.manager_a).create({"hour_from": 1, "hour_to": 2})
        self.assertEqual(hours.merchant_id, self.merchant_a)

    def test_products_follow_the_pattern(self):
        product_a = self.env["product.template"].create({"name": "A 的招牌奶茶", "merchant_id": self.merchant_a.id})
        product_b = self.env["product.template"].create({"name": "B 的私教课", "merchant_id": self.merchant_b.id})
        self.assertMerchantIsolation(product_a, product_b)
        self.assertMerchantIsolation(product_a.product_variant_ids, product_b.product_variant_ids)
        # A manager cannot hand a product over to another merchant.
        with self.assertRaises(AccessError):
            product_a.with_user(self.manager_a).sudo(False).write({"merchant_id": self.merchant_b.id})
        # sudo only lifts the access rights: the product still goes to the manager's merchant.
        product = self.env["product.template"].with_user(self.manager_a).sudo().create({"name": "新品"})
        self.assertEqual(product.merchant_id, self.merchant_a)
        self.assertFalse(self.env["product.template"].create({"name": "平台服务费"}).merchant_id)

    def test_merchant_users_isolation(self):
        self.assertMerchantIsolation(self.manager_a | self.staff_a, self.manager_b)
        # Platform staff stay visible to merchants (chatter authors, approvers).
        self.operator.with_user(self.staff_a).read(["name"])

    def test_bank_accounts(self):
        bank_a = self.env["res.partner.bank"].create(
            {"acc_number": "6222000055556666", "partner_id": self.merchant_a.id}
        )
        bank_b = self.env["res.partner.bank"].create(
            {"acc_number": "6222000077778888", "partner_id": self.merchant_b.id}
        )
        self.assertMerchantIsolation(bank_a, bank_b)
        with self.assertRaises(AccessError):
            bank_a.with_user(self.manager_a).write({"acc_number": "6222999999999999"})

    def test_operator_and_accountant_see_everything(self):
        partners = self.merchant_a | self.merchant_b
        for user in (self.operator, self.accountant):
            with self.subTest(user=user.login):
                self.assertEqual(self.env["res.partner"].with_user(user).search([("id", "in", partners.ids)]), partners)
                (self.manager_a | self.manager_b).with_user(user).read(["merchant_id"])
        self.merchant_b.with_user(self.operator).write({"phone": "021-00000000"})
        with self.assertRaises(AccessError):  # accountants read, operators change
            self.env["city.district"].with_user(self.accountant).create(
                {"name": "X", "code": "X", "latitude": 1, "longitude": 1}
            )
        self.env["city.district"].with_user(self.operator).create(
            {"name": "X", "code": "X", "latitude": 1, "longitude": 1}
        )

    def test_merchant_user_is_linked_to_exactly_one_merchant(self):
        with self.assertRaises(ValidationError):
            self._create_user("city_orphan", "city_base.group_merchant_user")
        with self.assertRaises(ValidationError):
            self._create_user("city_both", "city_base.group_merchant_user,city_base.group_operator", self.merchant_a)
        with self.assertRaises(ValidationError):
            self.staff_a.merchant_id = self.env["res.partner"].create({"name": "Not a merchant"})
        user = self.env["res.users"].create(
            {"name": "新店员", "login": "city_new_staff", "merchant_id": self.merchant_b.id}
        )
        self.assertTrue(
            user.has_group("city_base.group_merchant_user"), "linking a user to a merchant makes it a merchant user"
        )

    def test_every_merchant_owned_model_follows_the_pattern(self):
        """Every concrete model with the merchant mixin has both rules and access rows."""
        merchant_group = self.env.ref("city_base.group_merchant_user")
        operator_group = self.env.ref("city_base.group_operator")
        registry = self.env.registry
        todo, models = ["city.merchant.mixin"], set()
        while todo:
            for child in registry[todo.pop()]._inherit_children:
                if child not in models:
                    models.add(child)
                    todo.append(child)
        models = sorted(m for m in models if not registry[m]._abstract and not registry[m]._transient)
        self.assertIn("city.merchant.hours", models)
        for name in models:
            with self.subTest(model=name):
                rules = self.env["ir.rule"].sudo().search([("model_id.model", "=", name)])
                merchant_rules = rules.filtered(lambda r, g=merchant_group: g in r.groups)
                self.assertTrue(merchant_rules, f"{name} has no merchant-user rule")
                for rule in merchant_rules:
                    self.assertIn("user.merchant_id", rule.domain_force, f"{name}: {rule.name}")
                self.assertTrue(
                    rules.filtered(lambda r, g=operator_group: g in r.groups), f"{name} has no operator rule"
                )
                self.assertTrue(
                    self.env["ir.model.access"].sudo().search_count([("model_id.model", "=", name)]),
                    f"{name} has no access rows",
                )
