# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import psycopg2.errors

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.city_base.tools.allocation import to_fen

from .city_mp_error import MpError
from .product_template import money


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _city_mp_create_order(self, member, items, key, body_hash):
        """The order of ``member`` for ``items`` (``[{"product_id", "quantity", "slot_id"}]``),
        created and confirmed (the quota taken as city_ticketing takes it), or the order an
        earlier request with the same idempotency ``key`` created: ``(order, replayed)``.

        A refusal (:class:`MpError`) leaves what it wrote (the key, a part of the order) for the
        caller to roll back: the API's endpoint runs in a savepoint, rolled back on any refusal."""
        try:
            key_sudo, replayed = self.env["city.mp.order.key"]._claim(member, key, body_hash)
            if replayed:
                return replayed, True
            order_sudo = self._city_mp_prepare_order(member, items)
            key_sudo._set_order(order_sudo)
            return order_sudo, False
        except UserError as exc:
            if isinstance(exc, (MpError, AccessError)):
                raise
            raise MpError("unavailable", exc.args[0], status=409) from None

    @api.model
    def _city_mp_prepare_order(self, member, items):
        templates, lines = self.env["product.template"].sudo(), []
        for item in items:
            template_sudo = self.env["product.template"]._city_mp_get_sellable(item["product_id"])
            slot = self.env["city.ticket.slot"]
            if item.get("slot_id"):
                slot = template_sudo.city_slot_ids.filtered(lambda s, i=item: s.id == i["slot_id"])
                if not slot or slot.date_begin <= fields.Datetime.now():
                    raise MpError("not_found", _("No such time slot."), status=404)
            templates |= template_sudo
            lines.append(
                {
                    "product_id": template_sudo.product_variant_id.id,
                    "product_uom_qty": item["quantity"],
                    "city_slot_id": slot.id or False,
                }
            )
        companies = templates.company_id
        if len(companies) > 1 or (companies and len(templates.filtered(lambda t: not t.company_id)) > 0):
            raise MpError("mixed_companies", _("These products cannot be bought in one order."), status=400)
        for template_sudo in templates.sorted("id"):  # always the same order: no deadlock between buyers
            left = template_sudo._city_mp_lock_for_sale()
            wanted = sum(i["quantity"] for i in items if i["product_id"] == template_sudo.id)
            if left is not None and left < wanted:
                raise MpError(
                    "sold_out",
                    _("%(product)s is sold out: only %(left)s left.", product=template_sudo.name, left=left),
                    status=409,
                )
        company = companies[:1] or self.env.company
        # sudo: the member has no Odoo user; the order is created for the authenticated member only.
        # No chatter on the way (tracking_disable): the order is created and confirmed in one
        # request, its origin is its idempotency key, and Odoo's creation note, the tracking of
        # its values and the computes' tracking reads would cost this hot path a third of its time.
        order_sudo = (
            self.sudo()
            .with_company(company)
            .with_context(tracking_disable=True, city_miniprogram_api_order=True)
            .create(
                {
                    "partner_id": member.id,
                    # tickets are delivered in the mini-program and invoiced to the member
                    # themselves: no look-up of the member's invoice and delivery addresses
                    "partner_invoice_id": member.id,
                    "partner_shipping_id": member.id,
                    # the member's own order: the mini-program's sales channel, no salesperson to look up
                    "user_id": False,
                    "team_id": self.env["ir.model.data"]._xmlid_to_res_id("city_miniprogram_api.crm_team_miniprogram"),
                    "company_id": company.id,
                    **self._city_mp_partner_vals(member, company),
                    "order_line": [
                        Command.create(
                            {
                                **vals,
                                "analytic_distribution": self._city_mp_analytic_distribution(
                                    vals["product_id"], member, company
                                ),
                            }
                        )
                        for vals in lines
                    ],
                }
            )
        )
        order_sudo.action_confirm()
        # The lines' fields recomputed by the confirmation, written in one statement: the order's
        # invoice status (computed when the request flushes) groups its lines, which writes those
        # lines had computed by then, and the others in a second statement afterwards.
        order_sudo.order_line.flush_recordset()
        return order_sudo.with_context(tracking_disable=False, city_miniprogram_api_order=False)

    @api.model
    def _city_mp_partner_vals(self, member, company):
        """The member's pricelist, fiscal position and payment term in ``company``, and the
        company's warehouse, as sale's computes of a new order find them."""
        # sudo: as sale's computes, which run on the order created in sudo
        member_sudo = member.sudo().with_company(company)
        # What the order reads of the member and of the company's partner (the company's tax id,
        # which the fiscal position compares), in one query: Odoo would fetch the 79 columns of
        # res.partner with the first of them read, for each, and its 17 company-dependent fields
        # (each with its fallback) with the first of those (a field left out here is fetched when read).
        (member_sudo | company.sudo().partner_id).fetch(
            [
                "lang",
                "vat",
                "country_id",
                "user_id",
                "company_id",
                "category_id",
                "specific_property_product_pricelist",
                "property_account_position_id",
                "property_payment_term_id",
            ]
        )
        fiscal_position = (
            self.env["account.fiscal.position"]
            .sudo()
            .with_company(company)
            ._get_fiscal_position(member_sudo, member_sudo)
        )
        defaults = self.env["ir.default"].sudo().with_company(company)._get_model_defaults("sale.order")
        warehouse_id = defaults.get("warehouse_id")
        if warehouse_id is None:
            warehouse_id = self.env["res.users"].sudo().with_company(company)._get_default_warehouse_id().id
        pricelist = self.env["product.pricelist"].sudo().with_company(company)._city_mp_member_pricelist(member_sudo)
        return {
            "pricelist_id": pricelist.id,
            "fiscal_position_id": fiscal_position.id,
            "payment_term_id": member_sudo.property_payment_term_id.id,
            "warehouse_id": warehouse_id,
        }

    @api.model
    def _city_mp_analytic_distribution(self, product_id, member, company):
        """The analytic distribution of a new line of ``member``'s order for ``product_id``, as
        sale's ``_compute_analytic_distribution`` finds it (the distribution models matching the
        product, its category, the member, their tags and the company). Given in the line's values:
        Odoo computes this field (not precomputed) once for the line's amounts while creating it,
        and once more on the created line."""
        product = self.env["product.product"].sudo().browse(product_id)
        # sudo: as sale's compute, which runs on the order created in sudo
        models_sudo = self.env["account.analytic.distribution.model"].sudo()
        distribution = models_sudo._get_distribution(
            {
                "product_id": product.id,
                "product_categ_id": product.categ_id.id,
                "partner_id": member.id,
                "partner_category_id": member.sudo().category_id.ids,
                "company_id": company.id,
            }
        )
        return distribution or False

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        # The member does not follow their mini-program order: they hear from the mini-program
        # (subscribe messages), not from its chatter by e-mail; Odoo's confirmation would add them.
        # (Answered before Odoo's access check, which would read the whole public user.)
        if self.env.context.get("city_miniprogram_api_order") and partner_ids:
            partner_ids = [pid for pid in partner_ids if pid not in self.partner_id.ids]
            if not partner_ids:
                return True
        return super().message_subscribe(partner_ids, subtype_ids)

    def _update_programs_and_rewards(self):
        # sale_loyalty evaluates every automatic promotion of the company when an order is
        # confirmed (about a tenth of a mini-program order's time). A new order of the API has
        # no coupon, no reward and no points entry; when no program could give it anything
        # (see _city_mp_may_get_promotion) the evaluation would change nothing: skip it.
        if self.env.context.get("city_miniprogram_api_order") and not self._city_mp_may_get_promotion():
            return None
        return super()._update_programs_and_rewards()

    def _city_mp_may_get_promotion(self):
        """Whether sale_loyalty's evaluation could apply anything to this order: true unless
        the order has no coupon, code, reward line nor points entry, the member holds no
        eWallet or loyalty card with points (loaded onto their orders automatically), and every
        automatic rule of the company's automatic programs on sale (dates, pricelist) is
        limited to a list of products that has none of the order's. Errs towards true: a rule
        on categories, tags or a product domain, or on any product, counts as applicable."""
        self.ensure_one()
        if self.applied_coupon_ids or self.coupon_point_ids or self.code_enabled_rule_ids:
            return True
        if self.order_line.filtered("reward_id") or not self.order_line.product_id:
            return True
        self.env["loyalty.program"].flush_model()
        self.env["loyalty.rule"].flush_model()
        self.env["loyalty.card"].flush_model(["partner_id", "points", "program_id", "active"])
        today = fields.Date.context_today(self)
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM loyalty_card c JOIN loyalty_program p ON p.id = c.program_id
                    WHERE c.partner_id = %(partner)s AND c.active AND c.points > 0
                      AND (p.program_type = 'ewallet' OR (p.program_type = 'loyalty' AND p.applies_on != 'current'))
                   UNION ALL
                   SELECT 1 FROM loyalty_program p
                    WHERE p.active AND p.sale_ok AND p.trigger = 'auto'
                      AND (p.company_id IS NULL OR p.company_id IN %(companies)s)
                      AND (p.date_from IS NULL OR p.date_from <= %(today)s)
                      AND (p.date_to IS NULL OR p.date_to >= %(today)s)
                      -- no pricelist named (no row: NULL), or the order's among them
                      AND (SELECT bool_or(pl.product_pricelist_id IS NOT DISTINCT FROM %(pricelist)s)
                             FROM loyalty_program_product_pricelist_rel pl
                            WHERE pl.loyalty_program_id = p.id) IS NOT FALSE
                      AND EXISTS (
                          SELECT 1 FROM loyalty_rule r
                           WHERE r.program_id = p.id AND r.mode = 'auto'
                             AND (r.product_category_id IS NOT NULL OR r.product_tag_id IS NOT NULL
                                  OR COALESCE(r.product_domain, '[]') != '[]'
                                  -- no product named (no row: NULL), or one of the order's among them
                                  OR (SELECT bool_or(rp.product_product_id IN %(products)s)
                                        FROM loyalty_rule_product_product_rel rp
                                       WHERE rp.loyalty_rule_id = r.id) IS NOT FALSE))
                   LIMIT 1""",
                partner=self.partner_id.id,
                companies=tuple({self.company_id.id, self.company_id.parent_id.id or self.company_id.id}),
                today=today,
                pricelist=self.pricelist_id.id or None,
                products=tuple(self.order_line.product_id.ids),
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _city_mp_get_order(self, member, order_id):
        """The order ``order_id`` of ``member`` (sudo), or :class:`MpError` 404 (also when it is another's)."""
        order_sudo = self.sudo().search([("id", "=", order_id), ("partner_id", "=", member.id)], limit=1)
        if not order_sudo:
            raise MpError("not_found", _("No such order."), status=404)
        return order_sudo

    def _city_mp_lock(self):
        """Lock the order (NOWAIT): a concurrent change of it answers "busy, retry" (429)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL("SELECT id FROM sale_order WHERE id = %s FOR NO KEY UPDATE NOWAIT", self.id))
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise MpError("busy", _("This order is being updated: retry."), status=429, retry_after=1) from None
        self.invalidate_recordset()

    def _city_mp_check_open(self):
        order_sudo = self.sudo()
        if order_sudo.city_paid_date:
            raise MpError("already_paid", _("This order is paid: ask for a refund instead."), status=409)
        if order_sudo.state == "cancel":
            raise MpError("already_cancelled", _("This order is already cancelled."), status=409)

    def _city_mp_cancel(self):
        """Cancel the member's unpaid order: its quota goes back."""
        self._city_mp_lock()
        self._city_mp_check_open()
        order_sudo = self.sudo()
        order_sudo._action_cancel()
        return order_sudo

    def _city_mp_pay(self, openid):
        """What the member passes to ``wx.requestPayment`` to pay their unpaid order: the
        parameters of one payment (``parts`` empty), or, for an order of several merchants
        in service-provider mode paid one payment per shop, the first of ``parts`` (each
        shop's payment still unpaid, confirmed in a row)."""
        self._city_mp_lock()
        self._city_mp_check_open()
        if not openid:
            raise MpError("no_openid", _("Log in through WeChat to pay."), status=409)
        order_sudo = self.sudo()
        provider_sudo = self.env.ref("city_wechatpay.payment_provider_wechatpay").sudo()
        if provider_sudo.state == "disabled" or provider_sudo.company_id not in (order_sudo.company_id, False):
            raise MpError("payment_unavailable", _("WeChat Pay is not available for this order."), status=409)
        per_merchant = order_sudo._city_mp_pays_per_merchant(provider_sudo)
        if per_merchant:
            params = order_sudo._wechatpay_pay_parts(provider_sudo, openid)
        else:
            tx_sudo = order_sudo._city_mp_get_transaction(provider_sudo, openid)
            params = [_request_payment(tx_sudo)] if tx_sudo else []
        if not params:  # paid, WeChat Pay's notice not applied yet: never a second payment
            raise MpError("payment_confirming", _("Your payment is being confirmed: try again shortly."), status=409)
        return {**params[0], "parts": order_sudo._city_mp_pay_parts_to_api(params) if per_merchant else []}

    def _city_mp_pays_per_merchant(self, provider_sudo):
        """Whether the order is paid one part per merchant (service-provider mode, items of several merchants)."""
        self.ensure_one()
        if provider_sudo.wechatpay_mode != "partner":
            return False
        merchants = {vals["merchant_id"] for line in self.order_line for vals in line._city_prepare_escrow_vals()}
        return len(merchants) > 1

    def _city_mp_pay_parts_to_api(self, params):
        """The per-shop payments of an order paid one part per merchant, as the API shows them
        (none for a combined payment: the member confirms once)."""
        txs = self.env["payment.transaction"].sudo().search([("reference", "in", [p["reference"] for p in params])])
        if txs[:1].wechatpay_combined:
            return []
        by_ref = {tx.reference: tx for tx in txs}
        return [
            {
                "merchant": by_ref[p["reference"]].wechatpay_merchant_id.name,
                "amount": money(to_fen(by_ref[p["reference"]].amount)),
                "payment": p,
            }
            for p in params
        ]

    def _city_mp_get_transaction(self, provider_sudo, openid):
        """The member's payment of the whole order (one per order and payer, reused while
        payable); none while a payment of it is done but not applied yet."""
        txs = self.transaction_ids.filtered(lambda tx: tx.provider_id == provider_sudo and not tx.wechatpay_combine_ref)
        if txs.filtered(lambda tx: tx.state == "done" and tx.operation != "refund"):
            return self.env["payment.transaction"]
        tx_sudo = txs.filtered(
            lambda tx: (
                tx.state in ("draft", "pending") and tx.wechatpay_openid == openid and tx.amount == self.amount_total
            )
        )[:1]
        if tx_sudo:
            return tx_sudo
        method = self.env.ref("payment.payment_method_wechat_pay").sudo()
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider_sudo.id,
                    "payment_method_id": method.id,
                    "amount": self.amount_total,
                    "currency_id": self.currency_id.id,
                    "partner_id": self.partner_invoice_id.id,
                    "reference": self.env["payment.transaction"]
                    .sudo()
                    ._compute_reference("wechatpay", sale_order_ids=[Command.set(self.ids)]),
                    "operation": "online_direct",
                    "sale_order_ids": [Command.set(self.ids)],
                    "wechatpay_openid": openid,
                }
            )
        )

    def _city_mp_state(self):
        self.ensure_one()
        if self.state == "cancel":
            return "cancelled"
        return "paid" if self.city_paid_date else "unpaid"

    def _city_mp_to_api(self):
        self.ensure_one()
        order_sudo = self.sudo()
        return {
            "id": order_sudo.id,
            "name": order_sudo.name,
            "state": order_sudo._city_mp_state(),
            "amount": money(to_fen(order_sudo.amount_total)),
            "created_at": fields.Datetime.to_string(order_sudo.create_date),
            "paid_at": fields.Datetime.to_string(order_sudo.city_paid_date) if order_sudo.city_paid_date else None,
            "lines": [
                {
                    "product_id": line.product_id.product_tmpl_id.id,
                    "name": line.product_id.name,
                    "quantity": int(line.product_uom_qty),
                    "unit_price": money(to_fen(line.price_unit)),
                    "subtotal": money(to_fen(line.price_total)),
                    "slot_id": line.city_slot_id.id or None,
                }
                for line in order_sudo.order_line
            ],
            "ticket_ids": order_sudo.city_ticket_ids.ids,
        }


def _request_payment(tx_sudo):
    """The ``wx.requestPayment`` parameters of a payment (with its ``reference``)."""
    values = tx_sudo._get_processing_values()
    keys = ("timeStamp", "nonceStr", "package", "signType", "paySign")
    return {"appId": tx_sudo.wechatpay_appid, "reference": tx_sudo.reference, **{key: values[key] for key in keys}}
