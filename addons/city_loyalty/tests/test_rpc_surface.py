# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The RPC surface of the suite, as a merchant's staff user reaches it.

Every public method of a model (no leading underscore, not ``@api.private``) is
callable by any logged-in user through ``/web/dataset/call_kw`` (and
``/web/dataset/call_button``) with any record ids, whatever the views show. This
test enumerates, from the registry, every public method whose function is
defined in an ``odoo.addons.city_*`` module (on the suite's own models and on the
core models it inherits), so that modules added later are covered without
editing it, and calls each one over HTTP as ``staff_a`` (staff of merchant A) on
merchant B's records and on a member's records.

Each method must be in :data:`SURFACE`, the reviewed table below: either
:class:`Refused` (the answer must be an access error) or :class:`Allowed` (the
call succeeds, and a check method of this class asserts that its effect is
permitted for that user). A public method missing from the table fails the test
until someone reviews it.
"""

import inspect
import json
from collections import namedtuple

from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tests import HttpCase, tagged

from .common import CityLoyaltyCommon

ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"

Refused = namedtuple("Refused", "why args kwargs errors", defaults=((), None, (ACCESS_ERROR,)))
Refused.__doc__ = """Refused to staff_a on B's and on the member's records: ``errors`` (the JSON-RPC
error names accepted, an access error unless the entry says why). ``args`` follow
the ids (or replace them for ``@api.model`` methods)."""
Allowed = namedtuple("Allowed", "why check")
Allowed.__doc__ = """Allowed to staff_a: ``check`` names the method of the test class that
calls it and asserts that its effect stays within what staff_a may see or do."""

CRUD = "ORM CRUD override: Odoo checks access rights and record rules on the records (staff has no write right)"
CREATE_B = [{"merchant_id": "MERCHANT_B"}]  # create() args: a record given to merchant B

# Reviewed public methods, keyed by where the function is defined:
# "<module path under odoo.addons>:<method name>". An entry covers every model
# that inherits the function (e.g. the merchant mixin's write on each model).
SURFACE = {
    # --- city_base ---------------------------------------------------------
    "city_base.models.city_merchant_mixin:create": Refused(CRUD + "; the mixin refuses another merchant", CREATE_B),
    "city_base.models.city_merchant_mixin:write": Refused(CRUD, [{}]),
    "city_base.models.city_hash_chain_mixin:create": Refused(CRUD, CREATE_B),
    "city_base.models.city_hash_chain_mixin:write": Refused(CRUD, [{}]),
    "city_base.models.city_hash_chain_mixin:action_verify_hash_chain": Refused("button: operator, accountant"),
    "city_base.models.city_hash_chain_head:action_verify": Refused("button: operator, accountant"),
    "city_base.models.city_district:action_view_merchants": Refused("button: operator, accountant"),
    "city_base.models.res_partner:create": Refused(
        CRUD + "; merchant fields are the operator's", [{"name": "RPC", "is_merchant": True}]
    ),
    "city_base.models.res_partner:write": Refused(CRUD, [{}]),
    "city_base.models.res_partner:action_view_merchant_users": Refused("button: operator"),
    "city_base.models.res_partner:action_open_my_merchant": Allowed(
        "button of the 'My Merchant' menu: opens the user's own merchant only", "_check_open_my_merchant"
    ),
    "city_base.models.res_users:create": Refused(CRUD, [{"name": "RPC", "login": "rpc", "merchant_id": "MERCHANT_B"}]),
    "city_base.models.res_users:write": Refused(CRUD, [{}]),
    "city_base.models.city_member_event:write": Refused(
        "append-only: refused to everyone (UserError); staff has no read right either",
        [{"event_type": "share"}],
        None,
        (ACCESS_ERROR, USER_ERROR),
    ),
    # --- city_settlement ---------------------------------------------------
    "city_settlement.models.city_settlement:create": Refused(CRUD, CREATE_B),
    "city_settlement.models.city_settlement:action_run_settlements": Refused("button: accountant"),
    "city_settlement.models.city_settlement:action_confirm": Refused("button: accountant"),
    "city_settlement.models.city_settlement:action_pay": Refused("button: accountant"),
    "city_settlement.models.city_settlement:action_cancel": Refused("button: accountant"),
    "city_settlement.models.city_settlement:action_print_statement": Refused(
        "button: merchant staff (own statements), operator, accountant; record rules"
    ),
    "city_settlement.models.city_settlement_allocation:write": Refused(CRUD, [{}]),
    "city_settlement.models.city_settlement_payout:write": Refused(CRUD, [{}]),
    "city_settlement.models.city_reconciliation:action_reconcile": Refused("button: accountant"),
    "city_settlement.models.city_reconciliation:action_view_differences": Refused("button: operator, accountant"),
    "city_settlement.models.city_reconciliation:action_download_xlsx": Refused("button: accountant"),
    "city_settlement.models.city_payment_bill:action_reconcile": Refused("button: accountant"),
    "city_settlement.models.city_payment_bill:action_view_lines": Refused("button: operator, accountant"),
    "city_settlement.models.city_split_rule:action_new_version": Refused("button: operator"),
    "city_settlement.models.product_template:create": Refused(CRUD, [{"name": "RPC", "merchant_id": "MERCHANT_B"}]),
    "city_settlement.models.product_template:default_get": Allowed(
        "form defaults: no record is read; the merchant proposed is the user's own", "_check_product_default_get"
    ),
    "city_settlement.wizard.city_payment_bill_import:action_import": Refused("button: accountant"),
    "city_wechatpay.models.city_wechatpay_bill_download:action_download_now": Refused("button: operator, admin"),
    "city_wechatpay.models.payment_provider:action_wechatpay_add_receivers": Refused("button: operator, admin"),
    "city_wechatpay.wizard.city_wechatpay_bill_download_wizard:action_download": Refused("button: operator, admin"),
    "city_wechatpay_mall.models.city_wechatpay_mall_payment:action_retry_notify": Refused("button: operator, admin"),
    "city_wechatpay_mall.models.city_wechatpay_mall_authorization:action_refresh": Refused("button: operator, admin"),
    "city_settlement.wizard.city_reconciliation_report:action_download": Refused("button: accountant"),
    # --- city_ticketing ----------------------------------------------------
    "city_ticketing.models.city_ticket:create": Refused(CRUD, CREATE_B),
    "city_ticketing.models.city_ticket:action_scan_code": Allowed(
        "the scan screen's call (merchant staff): redeems only tickets of the user's merchant", "_check_scan_code"
    ),
    "city_ticketing.models.city_ticket:action_print": Refused("button: any suite role; record rules"),
    "city_ticketing.models.city_ticket_redemption:get_recent_redemptions": Allowed(
        "the scan screen's recent list (orm.call): a search under the user's record rules", "_check_recent_redemptions"
    ),
    "city_ticketing.models.sale_order:action_confirm": Refused("Odoo's button: Odoo's sales rights (staff has none)"),
    "city_ticketing.models.sale_order:action_view_city_tickets": Refused("button: any suite role; record rules"),
    "city_ticketing.models.product_template:create": Refused(CRUD, [{"name": "RPC", "merchant_id": "MERCHANT_B"}]),
    "city_ticketing.models.product_template:write": Refused(CRUD, [{}]),
    "city_ticketing.models.product_template:action_view_city_tickets": Refused("button: any suite role; record rules"),
    # --- city_loyalty ------------------------------------------------------
    "city_loyalty.models.city_points_ledger:create": Refused(
        CRUD + "; the wallet-only guard refuses first (UserError)", CREATE_B, None, (ACCESS_ERROR, USER_ERROR)
    ),
    "city_loyalty.models.city_points_ledger:write": Refused(
        CRUD + "; the append-only guard refuses first (UserError)", [{}], None, (ACCESS_ERROR, USER_ERROR)
    ),
    "city_loyalty.models.city_points_ledger:action_open_source": Refused("button: any suite role; record rules"),
    "city_loyalty.models.city_points_wallet:write": Refused(CRUD, [{}]),
    "city_loyalty.models.city_points_wallet:action_view_ledger": Refused("button: operator, accountant"),
    "city_loyalty.models.city_points_wallet:action_recompute_tier": Refused("button: operator"),
    "city_loyalty.models.city_points_wallet:action_clear_flag": Refused("button: operator"),
    "city_loyalty.models.city_points_reward:action_view_redemptions": Allowed(
        "button on a points-mall reward (readable by every user): opens redemptions under the user's record rules",
        "_check_reward_redemptions",
    ),
    "city_loyalty.models.city_points_report:read_group": Allowed(
        "ORM read override of the analytics report: merchant staff read their own merchant's rows",
        "_check_points_report_read_group",
    ),
    "city_loyalty.models.res_partner:action_city_points_wallet": Refused("button: operator"),
    "city_loyalty.wizard.city_points_adjust:action_confirm": Refused("button: operator"),
    "city_loyalty.wizard.city_points_settings:default_get": Refused(
        "the company's points settings: operators", [["city_points_issue_fen"]]
    ),
    "city_loyalty.wizard.city_points_settings:action_save": Refused("button: operator"),
    # --- city_alliance -----------------------------------------------------
    "city_alliance.models.city_alliance:action_approve": Refused("button: operator"),
    "city_alliance.models.city_alliance:action_close": Refused("button: operator"),
    "city_alliance.models.city_alliance:action_reopen": Refused("button: operator"),
    "city_alliance.models.city_alliance:action_create_package_rule": Refused("button: operator"),
    "city_alliance.models.city_alliance:action_accept": Refused("button: the invited merchant's manager"),
    "city_alliance.models.city_alliance:action_decline": Refused("button: the invited merchant's manager"),
    "city_alliance.models.city_alliance:action_reinvite": Refused("button: operator"),
    "city_alliance.models.city_coupon_issue:action_use_at_counter": Refused(
        "button: merchant staff; record rules (another merchant's coupon is not readable); one coupon at a time",
        errors=(ACCESS_ERROR, USER_ERROR),
    ),
    "city_alliance.wizard.city_coupon_use_wizard:action_confirm": Refused(
        "button: merchant staff; uses the coupon for the user's own merchant only (another's code is refused); "
        "transient records are the user's own",
        errors=(ACCESS_ERROR, USER_ERROR),
    ),
    "city_alliance.models.city_segment:action_compute": Refused("button: operator"),
    "city_alliance.models.city_segment:action_view_members": Refused("button: operator"),
    "city_alliance.models.city_recommendation_link:action_learn": Refused("button: operator"),
    "city_alliance.wizard.city_growth_settings:default_get": Refused("operator only", [["campaign_weekly_cap"]]),
    "city_alliance.wizard.city_growth_settings:create": Refused("operator only", [{}]),
    "city_alliance.wizard.city_growth_settings:action_save": Refused("button: operator"),
    "city_alliance.models.city_campaign:action_start": Refused("button: operator"),
    "city_alliance.models.city_campaign:action_stop": Refused("button: operator"),
    "city_alliance.models.city_campaign:action_cancel": Refused("button: operator"),
    "city_alliance.models.city_campaign:action_run_now": Refused("button: operator"),
    "city_alliance.models.city_campaign:action_measure": Refused("button: operator"),
    "city_alliance.models.city_campaign:action_view_sends": Refused(
        "button: merchant staff and platform; reads the campaign first (record rules: its merchant's users only)"
    ),
    # --- city_miniprogram_api ----------------------------------------------
    # The pricelist memo's invalidation: Odoo's CRUD (only a sales manager writes pricelists,
    # only an administrator country groups); the override only clears the cache.
    "city_miniprogram_api.models.product_pricelist:create": Refused(CRUD, [{"name": "RPC"}]),
    "city_miniprogram_api.models.product_pricelist:write": Refused(CRUD, [{}]),
    "city_miniprogram_api.models.product_pricelist:unlink": Refused(CRUD),
    "city_miniprogram_api.models.sale_order:message_subscribe": Refused(
        "mail's own check (write access to the order: staff has no sales rights); the override only leaves "
        "the member out within the API's order creation (its context)",
        [[1]],
    ),
    # --- city_dashboard ----------------------------------------------------
    "city_dashboard.models.city_dashboard:get_cockpit_data": Allowed(
        "the cockpit's read (readonly): any role; the SQL is scoped to the user's merchant whatever ids are sent",
        "_check_cockpit_data",
    ),
}

PublicMethod = namedtuple("PublicMethod", "model name key is_model_api is_button")


def suite_public_methods(env):
    """Every RPC-callable method of a concrete model whose function a city_* module defines.

    For each model class, the MRO is walked from the most derived class: the first
    function of a city_* module found for a name (the override that runs first)
    gives the key of the method; Odoo's own check (``get_public_method``) says
    whether RPC reaches it.
    """
    found = []
    for model_name in sorted(env.registry):
        model = env[model_name]
        if model._abstract and model._inherit_children:
            continue  # no table, no records: reached through the concrete models inheriting it
        cls = type(model)
        seen = set()
        for klass in cls.mro():
            for name, function in vars(klass).items():
                if name in seen or name.startswith("_") or not inspect.isfunction(function):
                    continue
                module = function.__module__ or ""
                if not module.startswith("odoo.addons.city_"):
                    continue
                seen.add(name)
                try:
                    get_public_method(model, name)
                except AccessError:
                    continue  # @api.private somewhere in the MRO
                api = getattr(getattr(cls, name), "_api", None)
                found.append(
                    PublicMethod(
                        model_name,
                        name,
                        f"{module.removeprefix('odoo.addons.')}:{name}",
                        bool(api),
                        name.startswith("action_"),
                    )
                )
    return found


@tagged("post_install", "-at_install")
class TestRpcSurface(CityLoyaltyCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Merchant B sells to the member: escrow, allocations, a wallet with ledger lines...
        cls.product_b = cls._create_product("RPC B 服务", cls.merchant_b, 80.0)
        products = [cls.product_b]
        cls.has_tickets = "city.ticket" in cls.env
        if cls.has_tickets:
            voucher_b = cls._create_merchant_product(
                cls.merchant_b, 59.0, name="RPC B 券", city_ticket_type="voucher", city_valid_days=30
            )
            products.append((voucher_b, 2))
        cls.order_b = cls._create_paid_order(cls.member, products)
        if cls.has_tickets:
            cls.ticket_b, cls.ticket_b_used = cls.order_b.city_ticket_ids.sorted("id")
            cls.redemption_b = (
                cls.env["city.ticket"].with_user(cls.manager_b)._redeem_code(cls.ticket_b_used.manual_code)
            )
            cls.redemption_b.sudo()._release_escrow()
        cls.env["city.settlement"].sudo()._run_settlements(merchants=cls.merchant_b)
        cls.env.flush_all()

    # ------------------------------------------------------------------ calls
    def _targets(self, method):
        """The record sets a method is called on: merchant B's, the member's, or else any record."""
        if method.is_model_api:
            return [("model", None)]
        Model = self.env[method.model].sudo().with_context(active_test=False)
        targets = []
        if method.model == "res.partner":
            targets += [("merchant B", self.merchant_b), ("member", self.member)]
        else:
            if "merchant_id" in Model._fields and Model._fields["merchant_id"].comodel_name == "res.partner":
                targets.append(("merchant B", Model.search([("merchant_id", "=", self.merchant_b.id)], limit=1)))
            partner_field = Model._fields.get("partner_id")
            if partner_field is not None and partner_field.type == "many2one" and partner_field.store:
                targets.append(("member", Model.search([("partner_id", "=", self.member.id)], limit=1)))
        targets = [(label, records) for label, records in targets if records]
        if not targets:
            targets = [("another's record", Model.search([], limit=1, order="id desc"))]
        if not targets[0][1] and not method.is_button:
            return []  # no record to reach; a button is still called (its group check comes first)
        return targets

    def _args(self, entry):
        def resolve(value):
            if value == "MERCHANT_B":
                return self.merchant_b.id
            if isinstance(value, dict):
                return {key: resolve(item) for key, item in value.items()}
            return value

        return [resolve(arg) for arg in entry.args] if isinstance(entry, Refused) else []

    def _call(self, model, name, args=(), kwargs=None, button=False):
        """Call ``model.name`` over HTTP as the logged-in user; the decoded JSON-RPC body."""
        route = "/web/dataset/call_button" if button else "/web/dataset/call_kw"
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": name, "args": list(args), "kwargs": kwargs or {}},
        }
        response = self.url_open(
            f"{route}/{model}/{name}", data=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 200, f"{model}.{name}: HTTP {response.status_code}")
        return response.json()

    def _call_method(self, method, records, args=(), kwargs=None):
        ids = [] if records is None else [records.ids]
        return self._call(method.model, method.name, [*ids, *args], kwargs, button=method.is_button)

    @staticmethod
    def _error_name(body):
        return body.get("error", {}).get("data", {}).get("name")

    # ------------------------------------------------------------------ tests
    def test_every_public_method_is_reviewed_and_refused_or_checked(self):
        methods = suite_public_methods(self.env)
        self.assertTrue(methods, "no public method found: the enumeration is broken")
        unreviewed = sorted({f"{m.model}.{m.name} ({m.key})" for m in methods if m.key not in SURFACE})
        self.assertFalse(
            unreviewed,
            "New public (RPC-callable) methods defined by city_* modules: any logged-in user can call them "
            "with any ids through /web/dataset/call_kw. Review each one: make it private (leading underscore) "
            "when it is not a UI button or a read the web client calls, or check its group and the records' "
            "access inside it; then add it to SURFACE in this file with why it is allowed:\n  "
            + "\n  ".join(unreviewed),
        )
        self.authenticate(self.staff_a.login, self.staff_a.login)
        failures = []
        checked = set()
        for method in methods:
            entry = SURFACE[method.key]
            if isinstance(entry, Allowed):
                if entry.check not in checked:
                    checked.add(entry.check)
                    with self.subTest(method=f"{method.model}.{method.name}"):
                        getattr(self, entry.check)(method)
                continue
            for label, records in self._targets(method):
                body = self._call_method(method, records, self._args(entry), entry.kwargs)
                if self._error_name(body) not in entry.errors:
                    answer = body.get("error", {}).get("data", {}).get("message") if "error" in body else body
                    failures.append(
                        f"{method.model}.{method.name} on {label} {records.ids if records else ''}: "
                        f"expected {'/'.join(entry.errors)} ({entry.why}), got {self._error_name(body)}: {answer}"
                    )
        self.assertFalse(failures, "staff of merchant A reached:\n  " + "\n  ".join(failures))

    def test_table_has_no_stale_entries(self):
        """An entry whose function is gone (renamed, made private) is removed from the table."""
        keys = {method.key for method in suite_public_methods(self.env)}
        installed = set(self.env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
        stale = [key for key in SURFACE if key.split(".", 1)[0] in installed and key not in keys]
        self.assertFalse(stale, f"SURFACE lists methods that are no longer public: {stale}")

    def test_member_api_is_private(self):
        """The member API switches to sudo(): RPC must not reach it, with or without ids."""
        self.authenticate(self.staff_a.login, self.staff_a.login)
        for name in ("summary", "ledger", "sign_in", "review", "spend", "rewards", "redeem"):
            for method in (f"city_points_api_{name}", f"_city_points_api_{name}"):
                body = self._call("res.partner", method, [[self.member.id]])
                self.assertIn("error", body, f"res.partner.{method} answered {body}")
        balance = self._wallet().balance
        body = self._call("res.partner", "_city_points_api_spend", [[self.member.id], 1, self.merchant_a.id, "rpc"])
        self.assertEqual(self._error_name(body), ACCESS_ERROR)
        self.assertEqual(self._wallet().balance, balance)

    # ------------------------------------------------- checks of allowed calls
    def _check_cockpit_data(self, method):
        body = self._call_method(method, None, [{"merchant_ids": [self.merchant_b.id]}])
        self.assertEqual(body["result"]["merchants"], [])
        self.assertEqual([m["id"] for m in body["result"]["options"]["merchants"]], [self.merchant_a.id])

    def _check_open_my_merchant(self, method):
        body = self._call_method(method, None)
        self.assertEqual(body["result"]["res_id"], self.merchant_a.id)

    def _check_product_default_get(self, method):
        body = self._call_method(method, None, [["merchant_id", "taxes_id", "name"]])
        self.assertEqual(body["result"].get("merchant_id"), self.merchant_a.id)

    def _check_scan_code(self, method):
        before = (self.ticket_b.state, self.ticket_b.uses_done)
        body = self._call_method(method, None, [self.ticket_b.manual_code])
        self.assertEqual((body["result"]["ok"], body["result"]["code"]), (False, "wrong_merchant"))
        self.ticket_b.invalidate_recordset()
        self.assertEqual((self.ticket_b.state, self.ticket_b.uses_done), before)
        self.assertFalse(self.env["city.ticket.redemption"].search_count([("ticket_id", "=", self.ticket_b.id)]))

    def _check_recent_redemptions(self, method):
        body = self._call_method(method, None)
        self.assertNotIn(self.redemption_b.id, [row["id"] for row in body["result"]])
        self.assertTrue(self.env["city.ticket.redemption"].with_user(self.manager_b).get_recent_redemptions())

    def _check_reward_redemptions(self, method):
        Reward, Redemption = self.env["city.points.reward"], self.env["city.points.redemption"]
        reward_b = Reward.create(
            {
                "name": "RPC B 服务",
                "kind": "service",
                "points_cost": 10,
                "merchant_id": self.merchant_b.id,
                "product_id": self.product_b.id,
            }
        )
        redemption_b = Redemption._redeem(self.member, reward_b)
        self.assertEqual(redemption_b.merchant_id, self.merchant_b)
        # B's own reward: hidden by the record rules, so is the button.
        self.assertEqual(self._error_name(self._call_method(method, reward_b)), ACCESS_ERROR)
        # A platform reward of the mall (every user reads it): the button opens its redemptions,
        # which the record rules filter; B's redemption stays out of reach.
        gift = self.env["product.product"].create({"name": "RPC 礼品", "type": "consu"})
        reward = Reward.create({"name": "RPC 礼品", "kind": "gift", "points_cost": 10, "product_id": gift.id})
        body = self._call_method(method, reward)
        self.assertEqual(body["result"]["res_model"], "city.points.redemption")
        self.assertEqual(body["result"]["domain"], [["reward_id", "=", reward.id]])
        self.assertFalse(Redemption.with_user(self.staff_a).search([("id", "=", redemption_b.id)]))

    def _check_points_report_read_group(self, method):
        body = self._call_method(method, None, [[], ["issued_points:sum"], ["merchant_id"]], {"lazy": False})
        self.assertIn("result", body, body)
        merchants = {row["merchant_id"][0] for row in body["result"] if row["merchant_id"]}
        self.assertLessEqual(merchants, {self.merchant_a.id})
        Report = self.env["city.points.report"].sudo()
        self.assertTrue(Report.search_count([("merchant_id", "=", self.merchant_b.id)]), "B has rows to hide")
