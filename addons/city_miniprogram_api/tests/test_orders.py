# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Orders: idempotent creation, sold out, cancel, list, detail, another member's orders; the lean
path gives what Odoo's own sale gives (promotions, analytic distribution)."""

import uuid

from odoo import Command
from odoo.tests import tagged

from .common import MiniProgramCommon


@tagged("post_install", "-at_install")
class TestOrders(MiniProgramCommon):
    def setUp(self):
        super().setUp()
        self.token, _refresh, self.buyer = self.login("openid-buyer")
        self.template = self.voucher_a.product_tmpl_id

    def order(self, items, key="k-1", token=None):
        headers = {"Idempotency-Key": key} if key else {}
        return self.call("POST", "/orders", {"items": items}, token=token or self.token, headers=headers)

    def test_create_is_idempotent(self):
        status, body, _response = self.order([{"product_id": self.template.id, "quantity": 2}])
        self.assertEqual(status, 200, body)
        result = body["result"]
        self.assertEqual((result["state"], result["replayed"]), ("unpaid", False))
        self.assertEqual(result["amount"], {"fen": 19800, "display": "¥198.00"})
        self.assertEqual(result["lines"][0]["unit_price"]["fen"], 9900)
        self.assertEqual(self.template.city_sold_qty, 2, "the quota is taken by city_ticketing's path")
        order = self.env["sale.order"].browse(result["id"])
        self.assertEqual((order.partner_id, order.state), (self.buyer, "sale"))
        # the lean path: no chatter, the member not a follower, no stock move before payment
        self.assertEqual((order.partner_invoice_id, order.partner_shipping_id), (self.buyer, self.buyer))
        self.assertNotIn(self.buyer, order.message_partner_ids)
        self.assertFalse(order.message_ids)
        self.assertFalse(order.picking_ids)
        team = self.env.ref("city_miniprogram_api.crm_team_miniprogram")
        self.assertEqual((order.team_id, order.user_id), (team, self.env["res.users"]), "the mini-program's channel")
        status, again, _response = self.order([{"product_id": self.template.id, "quantity": 2}])
        self.assertEqual((status, again["result"]["id"], again["result"]["replayed"]), (200, order.id, True))
        self.assertEqual(self.template.city_sold_qty, 2)
        self.assertError(self.order([{"product_id": self.template.id, "quantity": 1}]), 409, "idempotency_conflict")
        # The same key of another member is another order.
        other_token = self.login("openid-other")[0]
        status, other, _response = self.order([{"product_id": self.template.id, "quantity": 1}], token=other_token)
        self.assertNotEqual(other["result"]["id"], order.id)

    def test_refusals(self):
        self.template.city_quota = 1
        self.assertError(self.order([{"product_id": self.template.id, "quantity": 2}]), 409, "sold_out")
        self.assertEqual(self.template.city_sold_qty, 0)
        self.assertFalse(
            self.env["city.mp.order.key"].sudo().search([("partner_id", "=", self.buyer.id)]),
            "a refused order keeps no key: the same key may be retried",
        )
        self.assertError(self.order([{"product_id": self.template.id}], key=None), 400, "invalid_idempotency_key")
        self.assertError(self.order([{"product_id": self.template.id}], key="k" * 129), 400, "invalid_idempotency_key")
        self.assertError(self.order([{"product_id": 99999999}]), 404, "not_found")
        self.assertError(self.order([{"product_id": self.template.id, "quantity": 0}]), 400, "invalid_quantity")
        self.assertError(self.order([{"product_id": "1"}]), 400, "invalid_product")
        self.assertError(self.order([]), 400, "invalid_items")
        self.assertError(self.order([{"product_id": self.template.id, "slot_id": 99999999}]), 404, "not_found")
        self.assertError(
            self.call(
                "POST", "/orders", {"items": [{"product_id": self.template.id}]}, headers={"Idempotency-Key": "x"}
            ),
            401,
            "unauthorized",
        )

    def test_cancel_list_detail_and_other_members(self):
        _status, body, _response = self.order([{"product_id": self.template.id, "quantity": 3}])
        order_id = body["result"]["id"]
        status, listing, _response = self.call("GET", "/orders?limit=5", token=self.token)
        self.assertEqual((status, [o["id"] for o in listing["result"]["items"]]), (200, [order_id]))
        status, detail, _response = self.call("GET", f"/orders/{order_id}", token=self.token)
        self.assertEqual(detail["result"]["lines"][0]["quantity"], 3)
        other_token = self.login("openid-stranger")[0]
        self.assertError(self.call("GET", f"/orders/{order_id}", token=other_token), 404, "not_found")
        self.assertError(self.call("POST", f"/orders/{order_id}/cancel", token=other_token), 404, "not_found")
        self.assertEqual(self.call("GET", "/orders", token=other_token)[1]["result"]["total"], 0)
        status, cancelled, _response = self.call("POST", f"/orders/{order_id}/cancel", token=self.token)
        self.assertEqual((status, cancelled["result"]["state"]), (200, "cancelled"), cancelled)
        self.assertEqual(self.template.city_sold_qty, 0, "the quota is given back")
        self.assertError(self.call("POST", f"/orders/{order_id}/cancel", token=self.token), 409, "already_cancelled")

    def test_paid_order_cannot_be_cancelled(self):
        _status, body, _response = self.order([{"product_id": self.template.id}])
        order = self.env["sale.order"].browse(body["result"]["id"])
        self._pay_order(order)
        _status, detail, _response = self.call("GET", f"/orders/{order.id}", token=self.token)
        self.assertEqual(detail["result"]["state"], "paid")
        self.assertEqual(len(detail["result"]["ticket_ids"]), 1)
        self.assertError(self.call("POST", f"/orders/{order.id}/cancel", token=self.token), 409, "already_paid")


@tagged("post_install", "-at_install")
class TestOrderLeanPath(MiniProgramCommon):
    """The mini-program's order is Odoo's order: what the lean path skips or precomputes gives
    what Odoo's own sale gives (promotions, analytic distribution)."""

    def setUp(self):
        super().setUp()
        self.token, _refresh, self.buyer = self.login("openid-lean")
        self.template = self.voucher_a.product_tmpl_id
        # the database's own automatic programs (demo data) stay out of these comparisons
        self.env["loyalty.program"].search([("trigger", "=", "auto")]).action_archive()

    def api_order(self, quantity=2):
        status, body, _response = self.call(
            "POST",
            "/orders",
            {"items": [{"product_id": self.template.id, "quantity": quantity}]},
            token=self.token,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        self.assertEqual(status, 200, body)
        return self.env["sale.order"].browse(body["result"]["id"])

    def odoo_order(self, quantity=2):
        """The same order made through Odoo's sale (no mini-program context)."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "order_line": [Command.create({"product_id": self.voucher_a.id, "product_uom_qty": quantity})],
            }
        )
        order.action_confirm()
        return order

    def _promotion(self, **rule):
        return self.env["loyalty.program"].create(
            {
                "name": "火锅九折",
                "program_type": "promotion",
                "trigger": "auto",
                "applies_on": "current",
                "rule_ids": [Command.create({"minimum_qty": 1, "reward_point_amount": 1, **rule})],
                "reward_ids": [Command.create({"reward_type": "discount", "discount": 10, "discount_mode": "percent"})],
            }
        )

    def _draft(self):
        return self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "order_line": [Command.create({"product_id": self.voucher_a.id, "product_uom_qty": 1})],
            }
        )

    def test_may_get_promotion(self):
        self.assertFalse(self._draft()._city_mp_may_get_promotion(), "no automatic program on sale")
        program = self._promotion(product_ids=[Command.set(self.voucher_b.ids)])
        self.assertFalse(self._draft()._city_mp_may_get_promotion(), "a rule limited to other products")
        program.rule_ids.product_ids = [Command.link(self.voucher_a.id)]
        self.assertTrue(self._draft()._city_mp_may_get_promotion(), "a rule on the order's product")
        mine, other = self.env["product.pricelist"].create([{"name": "标准价", "sequence": 1}, {"name": "会员价"}])
        self.buyer.invalidate_recordset(["property_product_pricelist"])  # computed before these existed
        self.assertEqual(self._draft().pricelist_id, mine)
        program.pricelist_ids = [Command.set(other.ids)]
        self.assertFalse(self._draft()._city_mp_may_get_promotion(), "a program of another pricelist")
        program.pricelist_ids = [Command.link(mine.id)]
        self.assertTrue(self._draft()._city_mp_may_get_promotion(), "a program of the order's pricelist among others")
        program.rule_ids.product_ids = [Command.clear()]
        self.assertTrue(self._draft()._city_mp_may_get_promotion(), "a rule on any product")
        program.rule_ids.write({"product_ids": [Command.clear()], "product_domain": "[('sale_ok', '=', True)]"})
        self.assertTrue(self._draft()._city_mp_may_get_promotion(), "a product domain is not evaluated: may apply")
        program.action_archive()
        self.assertFalse(self._draft()._city_mp_may_get_promotion())
        loyalty = self.env["loyalty.program"].create(
            {"name": "商圈积分卡", "program_type": "loyalty", "trigger": "auto", "applies_on": "both"}
        )
        card = self.env["loyalty.card"].create({"program_id": loyalty.id, "partner_id": self.buyer.id, "points": 0})
        # its program out of the way (its rules would count): a card with points is loaded onto the
        # member's orders by sale_loyalty, and counts whatever its program (errs towards true)
        loyalty.action_archive()
        self.assertFalse(self._draft()._city_mp_may_get_promotion())
        card.points = 5
        self.assertTrue(self._draft()._city_mp_may_get_promotion(), "a loyalty card with points")

    def test_automatic_program_as_odoo_applies_it(self):
        program = self.env["loyalty.program"].create(
            {
                "name": "火锅积分",
                "program_type": "loyalty",
                "trigger": "auto",
                "applies_on": "both",
                "rule_ids": [
                    Command.create(
                        {
                            "product_ids": [Command.set(self.voucher_a.ids)],
                            "reward_point_mode": "unit",
                            "reward_point_amount": 1,
                        }
                    )
                ],
                "reward_ids": [
                    Command.create(
                        {"reward_type": "discount", "discount": 10, "discount_mode": "percent", "required_points": 100}
                    )
                ],
            }
        )

        def points():
            cards = self.env["loyalty.card"].search(
                [("program_id", "=", program.id), ("partner_id", "=", self.buyer.id)]
            )
            return sum(cards.mapped("points"))

        self.api_order(quantity=2)
        earned_in_api = points()
        self.odoo_order(quantity=2)
        self.assertEqual(earned_in_api, 2, "the mini-program's order earns the program's points")
        self.assertEqual(points() - earned_in_api, earned_in_api, "as Odoo's own sale does")

    def test_analytic_distribution_as_odoo_finds_it(self):
        plan = self.env["account.analytic.plan"].create({"name": "门店"})
        account = self.env["account.analytic.account"].create({"name": "火锅店", "plan_id": plan.id})
        self.env["account.analytic.distribution.model"].create(
            {"product_id": self.voucher_a.id, "analytic_distribution": {str(account.id): 100}}
        )
        api_order, odoo_order = self.api_order(), self.odoo_order()
        self.assertEqual(api_order.order_line.analytic_distribution, {str(account.id): 100})
        self.assertEqual(api_order.order_line.analytic_distribution, odoo_order.order_line.analytic_distribution)

    def test_pricelist_fiscal_position_warehouse_as_odoo_finds_them(self):
        """The order's pricelist, fiscal position, payment term and warehouse, given in its values,
        are those sale's computes find: the same taxes and amounts as Odoo's own order."""
        fields = [
            "pricelist_id",
            "currency_id",
            "fiscal_position_id",
            "payment_term_id",
            "warehouse_id",
            "amount_untaxed",
            "amount_tax",
            "amount_total",
        ]
        line_fields = ["price_unit", "tax_id", "price_subtotal", "price_total"]

        def same_as_odoo():
            api_order, odoo_order = self.api_order(), self.odoo_order()
            self.assertEqual(api_order.read(fields), [dict(odoo_order.read(fields)[0], id=api_order.id)])
            self.assertEqual(
                api_order.order_line.read(line_fields),
                [dict(odoo_order.order_line.read(line_fields)[0], id=api_order.order_line.id)],
            )
            return api_order

        order = same_as_odoo()
        self.assertFalse(order.fiscal_position_id)
        self.assertEqual(order.amount_total, 198.0)
        # the member's own pricelist and payment term, a fiscal position for their country
        vat_6 = self.env["account.tax"].create({"name": "增值税 6%", "amount": 6, "type_tax_use": "sale"})
        vat_3 = self.env["account.tax"].create({"name": "增值税 3%", "amount": 3, "type_tax_use": "sale"})
        # merchants' tickets are sold without tax (city_settlement): a platform's own ticket product
        self.voucher_a = self.env["product.product"].create(
            {
                "name": "商圈观光车票",
                "type": "service",
                "list_price": 99.0,
                "city_ticket_type": "voucher",
                "city_valid_days": 30,
                "taxes_id": [Command.set(vat_6.ids)],
            }
        )
        self.template = self.voucher_a.product_tmpl_id
        hong_kong = self.env.ref("base.hk")
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "港澳会员",
                "auto_apply": True,
                "country_id": hong_kong.id,
                "tax_ids": [Command.create({"tax_src_id": vat_6.id, "tax_dest_id": vat_3.id})],
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "会员九折",
                "item_ids": [
                    Command.create({"applied_on": "3_global", "compute_price": "percentage", "percent_price": 10})
                ],
            }
        )
        term = self.env.ref("account.account_payment_term_30days")
        self.buyer.write(
            {
                "country_id": hong_kong.id,
                "property_product_pricelist": pricelist.id,
                "property_payment_term_id": term.id,
            }
        )
        order = same_as_odoo()
        self.assertEqual(
            (order.pricelist_id, order.fiscal_position_id, order.payment_term_id), (pricelist, fiscal_position, term)
        )
        self.assertEqual(order.order_line.tax_id, vat_3)
        self.assertEqual((order.amount_untaxed, order.amount_tax, order.amount_total), (178.2, 5.35, 183.55))

    def test_member_pricelist_as_odoo_finds_it(self):
        """The memoised pricelist of a member with none of their own follows every change of the
        pricelists and country groups, per company and country, as Odoo's own search finds it."""
        pricelists = self.env["product.pricelist"]
        company_2 = self.env["res.company"].create({"name": "商圈二号公司"})
        china, hong_kong = self.env.ref("base.cn"), self.env.ref("base.hk")

        def check(member, company=None):
            company = company or self.env.company
            self.env.invalidate_all()
            # as sale's compute on the order created in sudo
            odoo_finds = member.sudo().with_company(company).property_product_pricelist
            self.assertEqual(pricelists.with_company(company)._city_mp_member_pricelist(member), odoo_finds)
            return odoo_finds

        self.assertFalse(check(self.buyer))
        standard = pricelists.create({"name": "标准价", "sequence": 5, "company_id": False})
        self.assertEqual(check(self.buyer), standard, "a new pricelist is seen")
        self.assertEqual(check(self.buyer, company_2), standard, "a pricelist of no company")
        group = self.env["res.country.group"].create({"name": "港澳", "country_ids": [Command.set(china.ids)]})
        regional = pricelists.create({"name": "港澳价", "sequence": 9, "country_group_ids": [Command.set(group.ids)]})
        self.buyer.country_id = hong_kong
        self.assertEqual(check(self.buyer), standard, "a pricelist of other countries")
        group.country_ids = [Command.link(hong_kong.id)]
        self.assertEqual(check(self.buyer), regional, "the member's country added to its group")
        regional.action_archive()
        self.assertEqual(check(self.buyer), standard, "an archived pricelist")
        standard.company_id = company_2
        self.assertFalse(check(self.buyer), "a pricelist of another company")
        self.assertEqual(check(self.buyer, company_2), standard)
        own = pricelists.create({"name": "会员专享价"})
        self.buyer.property_product_pricelist = own
        self.assertEqual(check(self.buyer), own, "the member's own pricelist")
