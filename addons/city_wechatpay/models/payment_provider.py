# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json
import logging
import time
import uuid

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import load_private_key, load_public_key

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.city_base.tools import access

from .. import const
from ..tools import signature

_logger = logging.getLogger(__name__)

CREDENTIAL_GROUPS = "base.group_system,city_base.group_operator"


class WechatpayError(ValidationError):
    """WeChat Pay refused a call or could not be reached (message safe to show)."""

    def __init__(self, message, code=None, status=None):
        super().__init__(message)
        self.wechatpay_code = code
        self.wechatpay_status = status


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    code = fields.Selection(selection_add=[("wechatpay", "WeChat Pay")], ondelete={"wechatpay": "set default"})
    wechatpay_mode = fields.Selection(
        [("direct", "Direct merchant"), ("partner", "Service provider (sub-merchants)")],
        string="WeChat Pay Account Model",
        default="direct",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
        help="Service provider (recommended): each payment lands, frozen, in the merchant's own sub-merchant "
        "account (特约商户) and is released by profit sharing on delivery. Direct: the operator's own merchant ID "
        "collects every merchant's money and pays the merchants later, which is secondary clearing (二清) unless "
        "the operator sells as principal or is licensed for it.",
    )
    wechatpay_mchid = fields.Char(
        string="Merchant ID",
        help="mchid of a direct merchant, sp_mchid of a service provider.",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_appid = fields.Char(
        string="App ID",
        help="The mini-program's appid (sp_appid of a service provider).",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_sub_mchid = fields.Char(
        string="Sub-merchant ID",
        help="Service provider mode: the sub-merchant (sub_mchid) paid when no merchant-specific one applies.",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_receiver_name = fields.Char(
        string="Registered Name (Receiver)",
        help="商户全称 of the operator's service-provider account: its name as a profit-sharing receiver of the "
        "sub-merchants (sent encrypted with the WeChat Pay public key).",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_sub_appid = fields.Char(
        string="Sub-merchant App ID",
        help="Service provider mode: the sub-merchant's own mini-program appid (sub_appid), if it has one.",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_cert_serial_no = fields.Char(
        string="Merchant Certificate Serial",
        help="Serial number of the merchant's API certificate (商户API证书序列号).",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_private_key = fields.Text(
        string="Merchant Private Key",
        help="The merchant API certificate's private key (apiclient_key.pem).",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_apiv3_key = fields.Char(
        string="APIv3 Key",
        help="The 32-character APIv3 key that encrypts notices (APIv3密钥).",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_public_key_id = fields.Char(
        string="WeChat Pay Public Key ID",
        help="PUB_KEY_ID_… of the WeChat Pay public key (微信支付公钥ID).",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_public_key = fields.Text(
        string="WeChat Pay Public Key",
        help="The WeChat Pay public key (pub_key.pem) that signs answers and notices.",
        required_if_provider="wechatpay",
        groups=CREDENTIAL_GROUPS,
    )
    wechatpay_platform_certificates = fields.Text(
        string="Platform Certificates (legacy)",
        help="PEM platform certificates of a merchant switching to the public key: during WeChat's switch-over, "
        "notices signed with either are accepted (chosen by the Wechatpay-Serial header).",
        groups=CREDENTIAL_GROUPS,
    )

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains(
        "code",
        "state",
        "wechatpay_mode",
        "wechatpay_sub_mchid",
        "wechatpay_private_key",
        "wechatpay_apiv3_key",
        "wechatpay_public_key",
        "wechatpay_platform_certificates",
    )
    def _check_wechatpay_credentials(self):
        """Keys that load and an APIv3 key of 32 bytes; messages never quote the keys."""
        for provider in self.sudo().filtered(lambda p: p.code == "wechatpay" and p.state != "disabled"):
            if provider.wechatpay_apiv3_key and len(provider.wechatpay_apiv3_key.encode()) != 32:
                raise ValidationError(_("The APIv3 key must be 32 characters long."))
            for key, loader, label in (
                (provider.wechatpay_private_key, load_private_key, _("merchant private key")),
                (provider.wechatpay_public_key, load_public_key, _("WeChat Pay public key")),
            ):
                if key:
                    try:
                        loader(key)
                    except Exception as exc:
                        raise ValidationError(_("The %s cannot be read: paste the PEM text.", label)) from exc
            try:
                signature.KeyRing(certificates=provider.wechatpay_platform_certificates)
            except ValueError as exc:
                raise ValidationError(_("The platform certificates cannot be read: paste PEM certificates.")) from exc

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    def _compute_feature_support_fields(self):
        """Override of `payment`: partial refunds."""
        res = super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == "wechatpay").update({"support_refund": "partial"})
        return res

    def _activate_default_pms(self):
        """Override of `payment`: an Operator enabling WeChat Pay (its provider write was
        checked by the access rules) activates the WeChat Pay method, which only
        administrators may write."""
        wechatpay = self.filtered(lambda p: p.code == "wechatpay")
        super(PaymentProvider, self - wechatpay)._activate_default_pms()
        if wechatpay:
            wechatpay.check_access("write")
            # sudo: the payment method is Odoo's master data; only its active flag changes
            super(PaymentProvider, wechatpay.sudo())._activate_default_pms()
        return None

    def _toggle_post_processing_cron(self):
        """Override of `payment`: the same for the post-processing cron that enabling or
        disabling a provider switches on or off (cron records are administrators')."""
        self.check_access("write")
        # sudo: only the cron's active flag follows the providers' states
        return super(PaymentProvider, self.sudo())._toggle_post_processing_cron()

    def _deactivate_unsupported_payment_methods(self):
        """Override of `payment`: the same for an Operator disabling WeChat Pay."""
        wechatpay = self.filtered(lambda p: p.code == "wechatpay")
        super(PaymentProvider, self - wechatpay)._deactivate_unsupported_payment_methods()
        if wechatpay:
            wechatpay.check_access("write")
            # sudo: the payment method is Odoo's master data; only its active flag changes
            super(PaymentProvider, wechatpay.sudo())._deactivate_unsupported_payment_methods()
        return None

    # ------------------------------------------------------------
    # BUSINESS: payment flow
    # ------------------------------------------------------------

    def _get_supported_currencies(self):
        """Override of `payment`: WeChat Pay takes CNY here."""
        currencies = super()._get_supported_currencies()
        if self.code == "wechatpay":
            currencies = currencies.filtered(lambda c: c.name in const.SUPPORTED_CURRENCIES)
        return currencies

    def _get_default_payment_method_codes(self):
        """Override of `payment`: Odoo's own WeChat Pay method."""
        codes = super()._get_default_payment_method_codes()
        if self.code != "wechatpay":
            return codes
        return const.DEFAULT_PAYMENT_METHOD_CODES

    # ------------------------------------------------------------
    # BUSINESS: WeChat Pay client
    # ------------------------------------------------------------

    def _wechatpay_keyring(self):
        """The keys WeChat Pay signs with for this provider, by serial (public key id, certificates)."""
        self.ensure_one()
        provider_sudo = self.sudo()  # credentials are read by the provider's own code only
        return signature.KeyRing(
            public_key=provider_sudo.wechatpay_public_key,
            public_key_id=provider_sudo.wechatpay_public_key_id,
            certificates=provider_sudo.wechatpay_platform_certificates,
        )

    def _wechatpay_gateway(self):
        return self.env["ir.config_parameter"].sudo().get_param(const.GATEWAY_PARAM) or const.GATEWAY

    def _wechatpay_notify_url(self):
        return self.get_base_url().rstrip("/") + const.WEBHOOK_URL

    def _wechatpay_client(self):
        """A ``wechatpayv3`` client in public-key mode, with timeouts and no logger.

        Its answers are verified with this module's key ring (the package would
        download platform certificates on an unknown serial) and its gateway is the
        configured one.
        """
        self.ensure_one()
        provider_sudo = self.sudo()  # credentials are read by the provider's own code only
        client = WeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG,
            mchid=provider_sudo.wechatpay_mchid,
            private_key=provider_sudo.wechatpay_private_key,
            cert_serial_no=provider_sudo.wechatpay_cert_serial_no,
            appid=provider_sudo.wechatpay_appid,
            apiv3_key=provider_sudo.wechatpay_apiv3_key,
            notify_url=self._wechatpay_notify_url(),
            partner_mode=provider_sudo.wechatpay_mode == "partner",
            timeout=const.TIMEOUT,
            public_key=provider_sudo.wechatpay_public_key,
            public_key_id=provider_sudo.wechatpay_public_key_id,
        )
        core = client._core
        core._gate_way = self._wechatpay_gateway().rstrip("/")
        keyring = self._wechatpay_keyring()

        def verify_answer(headers, body):
            try:
                return signature.verify(keyring, headers, body)
            except signature.SignatureError:
                return False

        core._verify_signature = verify_answer
        return client

    def _wechatpay_call(self, method, *args, **kwargs):
        """Call ``method`` of the ``wechatpayv3`` client: the answer's JSON (a dict).

        :raise WechatpayError: WeChat Pay could not be reached, its answer was not
            signed by it, or it refused the call (its code and message, which never
            contain credentials)
        """
        self.ensure_one()
        try:
            status, body = getattr(self._wechatpay_client(), method)(*args, **kwargs)
        except requests.exceptions.RequestException as exc:
            _logger.warning("WeChat Pay %s: could not reach the gateway (%s)", method, type(exc).__name__)
            raise WechatpayError(_("WeChat Pay could not be reached; try again later.")) from exc
        except Exception as exc:
            if str(exc) == "failed to verify the signature":
                _logger.warning("WeChat Pay %s: answer with a bad signature refused", method)
                raise WechatpayError(_("WeChat Pay's answer could not be verified.")) from exc
            _logger.warning("WeChat Pay %s: the call could not be made (%s)", method, type(exc).__name__)
            raise WechatpayError(_("The WeChat Pay call could not be made: check the provider's settings.")) from exc
        if isinstance(body, bytes):
            return {"_status": status, "_content": body}
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {}
        if not 200 <= status < 300:
            code, message = data.get("code") or str(status), data.get("message") or ""
            _logger.info("WeChat Pay %s refused: %s %s", method, status, code)
            raise WechatpayError(
                _("WeChat Pay refused the request: %(code)s %(message)s", code=code, message=message),
                code=code,
                status=status,
            )
        return data

    def _wechatpay_request_payment_params(self, appid, prepay_id):
        """The parameters of ``wx.requestPayment`` for a prepay, signed with the merchant key."""
        self.ensure_one()
        timestamp = str(int(time.time()))
        nonce = uuid.uuid4().hex
        package = f"prepay_id={prepay_id}"
        pay_sign = self._wechatpay_client().sign([appid, timestamp, nonce, package])
        return {"timeStamp": timestamp, "nonceStr": nonce, "package": package, "signType": "RSA", "paySign": pay_sign}

    # ------------------------------------------------------------
    # BUSINESS: notices
    # ------------------------------------------------------------

    @api.model
    def _wechatpay_find_by_serial(self, serial):
        """The enabled WeChat Pay provider whose key the serial names (public key id or
        platform certificate serial), chosen locally."""
        providers_sudo = self.sudo().search([("code", "=", "wechatpay"), ("state", "!=", "disabled")])
        for provider_sudo in providers_sudo:
            if provider_sudo._wechatpay_keyring().get(serial) is not None:
                return provider_sudo
        return self.sudo().browse()

    @api.model
    def _wechatpay_parse_notice(self, headers, body):
        """Verify and decrypt a notice: ``(provider_sudo, envelope, resource)``.

        :raise signature.SignatureError: not WeChat Pay's (changes nothing)
        """
        provider_sudo = self._wechatpay_find_by_serial(signature.header(headers, "Wechatpay-Serial"))
        if not provider_sudo:
            raise signature.SignatureError("unknown serial")
        envelope, resource = signature.parse_notice(
            provider_sudo._wechatpay_keyring(), provider_sudo.wechatpay_apiv3_key, headers, body
        )
        return provider_sudo, envelope, resource

    def _wechatpay_check_payee(self, data, tx, kind="payment"):
        """The payee of a payment or refund resource is this provider's and the transaction's.

        :param str kind: ``payment`` (a transaction: merchant and app) or ``refund`` (merchant)
        :raise ValidationError: another merchant or app
        """
        self.ensure_one()
        provider_sudo = self.sudo()
        if provider_sudo.wechatpay_mode == "partner":
            expected = {"sp_mchid": provider_sudo.wechatpay_mchid, "sub_mchid": tx.wechatpay_sub_mchid}
            if kind == "payment":
                expected["sp_appid"] = provider_sudo.wechatpay_appid
                if tx.wechatpay_sub_appid:
                    expected["sub_appid"] = tx.wechatpay_sub_appid
        else:
            expected = {"mchid": provider_sudo.wechatpay_mchid}
            if kind == "payment":
                expected["appid"] = tx.wechatpay_appid or provider_sudo.wechatpay_appid
        for key, value in expected.items():
            if data.get(key) != value:
                raise ValidationError(_("WeChat Pay data for another merchant or app (%s).", key))

    # ------------------------------------------------------------
    # BUSINESS: profit-sharing receivers
    # ------------------------------------------------------------

    def action_wechatpay_add_receivers(self):
        """Add the operator as profit-sharing receiver of every sub-merchant (Operators)."""
        access.check_groups(self.env, access.OPERATOR, "base.group_system")
        self.check_access("write")
        for provider in self.filtered(lambda p: p.code == "wechatpay"):
            merchants = (
                self.env["res.partner"]
                .sudo()
                .search([("is_merchant", "=", True), ("wechatpay_sub_mchid", "!=", False)])
            )
            provider._wechatpay_add_receivers(merchants)
        return True

    def _wechatpay_add_receivers(self, merchants, receivers=None):
        """Add receivers to each merchant's sub-merchant account (``/v3/profitsharing/receivers/add``),
        once per account: the operator (``SERVICE_PROVIDER``), and ``receivers`` (other merchants,
        ``PARTNER``). Names are sent encrypted with the WeChat Pay public key.

        :raise WechatpayError: WeChat Pay refused one (nothing recorded for it)
        """
        self.ensure_one()
        provider_sudo = self.sudo()
        for merchant in merchants.sudo():
            added = set(filter(None, (merchant.wechatpay_receiver_accounts or "").split(",")))
            wanted = [(provider_sudo.wechatpay_mchid, provider_sudo.wechatpay_receiver_name, "SERVICE_PROVIDER")]
            wanted += [(r.wechatpay_sub_mchid, r.wechatpay_legal_name or r.name, "PARTNER") for r in receivers or ()]
            for account, name, relation in wanted:
                if account in added or account == merchant.wechatpay_sub_mchid:
                    continue
                if not name:
                    raise ValidationError(
                        _("Set the registered name (商户全称) of receiver %s for profit sharing.", account)
                    )
                self._wechatpay_call(
                    "profitsharing_add_receiver",
                    account_type="MERCHANT_ID",
                    account=account,
                    relation_type=relation,
                    name=name,
                    sub_mchid=merchant.wechatpay_sub_mchid,
                )
                added.add(account)
                merchant.wechatpay_receiver_accounts = ",".join(sorted(added))

    def _wechatpay_sub_merchants(self):
        """The sub-merchant ids (sub_mchid) of a service-provider account whose own bills are
        fetched (sub-merchant fund-flow bills): the provider's default one and the merchants' of
        its company."""
        self.ensure_one()
        provider_sudo = self.sudo()
        if provider_sudo.wechatpay_mode != "partner":
            return []
        merchants = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("is_merchant", "=", True),
                    ("wechatpay_sub_mchid", "!=", False),
                    ("company_id", "in", (False, provider_sudo.company_id.id)),
                ]
            )
        )
        ids = [provider_sudo.wechatpay_sub_mchid, *merchants.mapped("wechatpay_sub_mchid")]
        return sorted(set(filter(None, ids)))
