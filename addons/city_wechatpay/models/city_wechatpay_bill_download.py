# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging
import zlib
from datetime import datetime, time, timedelta

import pytz
from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.city_base.tools import access
from odoo.addons.city_settlement.engine import bill as billmod

from ..tools import ps_bill, signature
from .payment_provider import WechatpayError

_logger = logging.getLogger(__name__)

BEIJING = pytz.timezone("Asia/Shanghai")
READY_AT = time(10, 0)  # bills of day D are ready from about 09:00-10:00 on D+1 (Beijing time)
MAX_DAYS_BACK = 90  # WeChat Pay keeps three months of bills
MAX_BILL_SIZE = 512 * 1024 * 1024  # bytes once decompressed: a larger "bill" is refused
NO_BILL_CODES = ("NO_STATEMENT_EXIST",)
BILL_TYPES = [
    ("trade", "Trade Bill"),
    ("fund_flow", "Fund-Flow Bill"),
    ("sub_fund_flow", "Sub-merchant Fund-Flow Bill"),
    ("profitsharing", "Profit-sharing Bill"),
]
DOWNLOAD_PATH = "/v3/billdownload/"


class BillRefused(UserError):
    """A downloaded bill refused before import; ``values`` are kept on the download (the digests)."""

    def __init__(self, message, values=None):
        super().__init__(message)
        self.values = values or {}


class CityWechatpayBillDownload(models.Model):
    """One download of one WeChat Pay bill: (provider, date, type), fetched once.

    Written by the daily cron (or the "download now" button): the bill is asked for
    (``GET /v3/bill/tradebill`` or ``/v3/bill/fundflowbill``), downloaded from the URL
    WeChat gives, compared with the SHA1 WeChat states, and imported into
    city_settlement (``city.payment.bill._import_file``) in the provider's company.
    """

    _name = "city.wechatpay.bill.download"
    _description = "WeChat Pay Bill Download"
    _order = "bill_date desc, bill_type desc, id desc"
    _check_company_auto = True
    _rec_name = "bill_date"

    provider_id = fields.Many2one(
        "payment.provider", required=True, index=True, readonly=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    bill_date = fields.Date(required=True, readonly=True)
    bill_type = fields.Selection(BILL_TYPES, required=True, readonly=True)
    sub_mchid = fields.Char(
        string="Sub-merchant ID",
        readonly=True,
        index="btree_not_null",
        help="Sub-merchant fund-flow bills: the sub-merchant (特约商户) whose account the bill is of.",
    )
    state = fields.Selection(
        [
            ("pending", "To Download"),
            ("done", "Imported"),
            ("empty", "No Bill"),
            ("error", "Failed"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    hash_value = fields.Char(string="Stated SHA1", readonly=True, help="The SHA1 WeChat Pay gave for the file.")
    sha1 = fields.Char(string="File SHA1", readonly=True, help="The SHA1 of the file as downloaded (decompressed).")
    error = fields.Text(readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    last_attempt = fields.Datetime(readonly=True)
    bill_id = fields.Many2one("city.payment.bill", readonly=True, ondelete="set null")
    ps_line_count = fields.Integer(string="Profit-sharing Lines", readonly=True)
    ps_difference_count = fields.Integer(string="Profit-sharing Differences", readonly=True)
    ps_differences = fields.Text(
        string="Differences with the Payouts",
        readonly=True,
        help="Profit-sharing bill lines and the suite's shares and returns that do not match (number, receiver).",
    )

    _sql_constraints = [
        (
            "provider_date_type_unique",
            "UNIQUE NULLS NOT DISTINCT (provider_id, bill_date, bill_type, sub_mchid)",
            "This bill of this provider is already recorded.",
        )
    ]

    # ------------------------------------------------------------------
    # Dates
    # ------------------------------------------------------------------

    @api.model
    def _get_due_dates(self, now=None):
        """The bill dates WeChat Pay can give now, newest first: yesterday once it is 10:00 in
        Beijing (else the day before), back to at most 90 days ago.

        :param datetime now: naive UTC (default: now)
        """
        local = pytz.utc.localize(now or fields.Datetime.now()).astimezone(BEIJING)
        today = local.date()
        latest = today - timedelta(days=1 if local.time() >= READY_AT else 2)
        earliest = today - timedelta(days=MAX_DAYS_BACK)
        days = (latest - earliest).days
        return [latest - timedelta(days=i) for i in range(days + 1)]

    @api.model
    def _get_providers(self):
        return (
            self.env["payment.provider"]
            .sudo()
            .search([("code", "=", "wechatpay"), ("state", "in", ("enabled", "test"))], order="id")
        )

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_download_bills(self, batch_size=40, now=None):
        """Download the due bills of every enabled WeChat Pay provider (each company's in it).

        Days never asked for come first, newest first, then failed ones (retried once per
        run). At most ``batch_size`` downloads per run: a full batch of days never asked
        for triggers the next run at once (``_trigger()``), so a catch-up of 90 days
        runs in batches.

        :return: the downloads attempted
        """
        dates = self._get_due_dates(now)
        never, retry = [], self.browse()
        Download = self.sudo()
        for provider in self._get_providers():
            existing = Download.search(
                [("provider_id", "=", provider.id), ("bill_date", ">=", dates[-1]), ("bill_date", "<=", dates[0])]
            )
            known = {(rec.bill_date, rec.bill_type, rec.sub_mchid or None): rec for rec in existing}
            kinds = self._get_bill_kinds(provider)
            for day in dates:
                for bill_type, sub_mchid in kinds:
                    rec = known.get((day, bill_type, sub_mchid))
                    if rec is None or rec.state == "pending":
                        never.append((provider, day, bill_type, sub_mchid))
                    elif rec.state == "error":
                        retry |= rec
        more = len(never) > batch_size
        todo = Download._ensure(never[:batch_size])
        todo |= retry[: max(batch_size - len(todo), 0)]
        todo._download()
        if more:
            self.env.ref("city_wechatpay.ir_cron_wechatpay_bills")._trigger()
        return todo

    @api.model
    def _get_bill_kinds(self, provider):
        """The bills of ``provider`` asked for each day: ``[(bill type, sub_mchid or None)]``.

        Service-provider mode adds each sub-merchant's own fund-flow bill
        (``provider._wechatpay_sub_merchants()``).
        """
        kinds = [("trade", None), ("fund_flow", None)]
        if provider.sudo().wechatpay_mode == "partner":
            kinds += [("sub_fund_flow", sub_mchid) for sub_mchid in provider._wechatpay_sub_merchants()]
            kinds.append(("profitsharing", None))  # direct mode shares nothing
        return kinds

    @api.model
    def _ensure(self, keys):
        """The downloads of ``keys`` ``[(provider, date, type[, sub_mchid])]``, created where missing.

        Inserted with ``ON CONFLICT DO NOTHING`` so that the cron and an operator's
        "download now" asking for the same day at the same moment both go on with the
        one record (the unique constraint would otherwise abort one of them). A row the
        other committed after this transaction's snapshot makes PostgreSQL raise a
        serialization failure, which Odoo retries.
        """
        if not keys:
            return self.browse()
        keys = [(*key, None)[:4] for key in keys]
        self.flush_model()
        uid = self.env.uid
        rows = [
            SQL(
                "(%s, %s, %s, %s, %s, 'pending', 0, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')",
                provider.id,
                provider.company_id.id,
                day,
                bill_type,
                sub_mchid,
                uid,
                uid,
            )
            for provider, day, bill_type, sub_mchid in keys
        ]
        self.env.cr.execute(
            SQL(
                """INSERT INTO city_wechatpay_bill_download
                       (provider_id, company_id, bill_date, bill_type, sub_mchid, state, attempt_count,
                        create_uid, write_uid, create_date, write_date)
                   VALUES %s
                   ON CONFLICT (provider_id, bill_date, bill_type, sub_mchid) DO NOTHING""",
                SQL(", ").join(rows),
            )
        )
        self.env.cr.execute(
            SQL(
                """SELECT d.id FROM city_wechatpay_bill_download d
                     JOIN (VALUES %s) AS k(provider_id, bill_date, bill_type, sub_mchid)
                       ON d.provider_id = k.provider_id AND d.bill_date = k.bill_date AND d.bill_type = k.bill_type
                      AND d.sub_mchid IS NOT DISTINCT FROM k.sub_mchid
                    ORDER BY d.bill_date DESC, d.bill_type DESC, d.sub_mchid""",
                SQL(", ").join(
                    SQL("(%s, %s::date, %s, %s::varchar)", provider.id, day, bill_type, sub_mchid)
                    for provider, day, bill_type, sub_mchid in keys
                ),
            )
        )
        self.invalidate_model()
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------------
    # Download
    # ------------------------------------------------------------------

    def _download(self):
        """Fetch, check and import each bill not yet imported (a failure is recorded, never raised)."""
        for rec in self:
            try:
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM city_wechatpay_bill_download WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                        rec.id,
                    )
                )
            except pg_errors.LockNotAvailable:
                continue  # being downloaded right now by another worker
            rec.invalidate_recordset()
            if rec.state in ("done", "empty"):
                continue
            values = {}
            try:
                with self.env.cr.savepoint():
                    values = rec._fetch_and_import()
            except (UserError, ValidationError) as exc:
                values = {
                    "state": "error",
                    "error": exc.args[0] if exc.args else str(exc),
                    **getattr(exc, "values", {}),
                }
            rec.write(
                {
                    "attempt_count": rec.attempt_count + 1,
                    "last_attempt": fields.Datetime.now(),
                    "error": False,
                    **values,
                }
            )
            _logger.info(
                "WeChat Pay %s bill of %s (provider %s): %s",
                rec.bill_type,
                rec.bill_date,
                rec.provider_id.id,
                rec.state,
            )
        return True

    def _request_bill(self):
        """Ask WeChat Pay for the bill: its answer ``{hash_type, hash_value, download_url}``."""
        self.ensure_one()
        provider = self.provider_id
        day = self.bill_date.isoformat()
        if self.bill_type == "trade":
            # Partner mode: without sub_mchid WeChat gives the service provider's bill of all its
            # sub-merchants (特约商户号 column): one call a day however many merchants the district has.
            return provider._wechatpay_call("trade_bill", bill_date=day, bill_type="ALL", tar_type="GZIP")
        if self.bill_type == "profitsharing":
            # Without sub_mchid: the service provider's bill of every sub-merchant's shares.
            return provider._wechatpay_call("profitsharing_bill", bill_date=day, tar_type="GZIP")
        if self.bill_type == "sub_fund_flow":
            return provider._wechatpay_call(
                "submch_fundflow_bill",
                sub_mchid=self.sub_mchid,
                bill_date=day,
                account_type="BASIC",
                algorithm=signature.BILL_ALGORITHM,
                tar_type="GZIP",
            )
        return provider._wechatpay_call("fundflow_bill", bill_date=day, account_type="BASIC", tar_type="GZIP")

    def _fetch_and_import(self):
        """The download's new values: ``empty``, or ``done`` with the imported bill.

        :raise UserError: the bill could not be had, its SHA1 differs, or it cannot be read
        """
        self.ensure_one()
        provider = self.provider_id
        try:
            answer = self._request_bill()
        except WechatpayError as exc:
            if exc.wechatpay_code in NO_BILL_CODES or exc.wechatpay_status == 404:
                return {"state": "empty", "hash_value": False, "sha1": False}
            raise
        if self.bill_type == "sub_fund_flow":
            parts = sorted(answer.get("download_bill_list") or [], key=lambda part: part.get("bill_sequence") or 0)
            if not parts:
                return {"state": "empty", "hash_value": False, "sha1": False}
            checked = [self._download_part(part) for part in parts]
            content = b"".join(part_content for part_content, _hash, _sha1 in checked)
            hash_value, sha1 = ",".join(c[1] for c in checked), ",".join(c[2] for c in checked)
        else:
            content, hash_value, sha1 = self._download_part(answer)
        if self.bill_type == "profitsharing":
            return {"state": "done", "hash_value": hash_value, "sha1": sha1, **self._reconcile_profitsharing(content)}
        bill_kind = "trade" if self.bill_type == "trade" else "fund_flow"
        suffix = f"_{self.sub_mchid}" if self.sub_mchid else ""
        file_name = f"wechatpay_{self.bill_type}{suffix}_{self.bill_date.isoformat()}.csv"
        # Bills are the company's books: imported in the provider's company, as the module (the
        # caller checked the user's group; operators may fetch bills but not write them by hand).
        bill_model_sudo = self.env["city.payment.bill"].sudo().with_company(self.company_id)
        try:
            bill = bill_model_sudo._import_file(
                content,
                file_name=file_name,
                bill_format="wechat",
                provider=provider,
                bill_kind=bill_kind,
                bill_date=self.bill_date,
            )
        except UserError:
            if _is_empty_bill(content, bill_kind):
                # A bill with its header and a zero summary: the day had no trades (nor movements).
                return {"state": "empty", "hash_value": hash_value, "sha1": sha1}
            raise
        self._reconcile_day(bill)
        return {"state": "done", "hash_value": hash_value, "sha1": sha1, "bill_id": bill.id}

    def _download_part(self, answer):
        """Download one file WeChat Pay announced (``{hash_type, hash_value, download_url[,
        encrypt_key, nonce]}``), decrypt it (sub-merchant bills), decompress it and check
        its SHA1: ``(content, stated SHA1, found SHA1)``.

        :raise UserError: no SHA1, an address outside the gateway, a failed download or
            decryption; :class:`BillRefused` on a SHA1 mismatch
        """
        provider = self.provider_id
        hash_type, hash_value = answer.get("hash_type"), answer.get("hash_value") or ""
        url = answer.get("download_url") or ""
        if (hash_type or "").upper() != "SHA1" or not hash_value:
            raise UserError(_("WeChat Pay gave no SHA1 for the bill: nothing imported."))
        # The download is signed with the merchant key: never send it anywhere but the gateway.
        if not url.startswith(provider._wechatpay_gateway().rstrip("/") + DOWNLOAD_PATH):
            raise UserError(_("WeChat Pay gave a download address outside its gateway: nothing imported."))
        result = provider._wechatpay_call("download_bill", url=url)
        status, content = result.get("_status"), result.get("_content")
        if status is None or not 200 <= status < 300 or not content:
            raise UserError(_("The bill file could not be downloaded; it is retried on the next run."))
        if self.bill_type == "sub_fund_flow":
            try:
                # the provider's own key decrypts the file key: read by the module's code only
                content = signature.decrypt_bill(
                    content, answer.get("encrypt_key"), answer.get("nonce"), provider.sudo().wechatpay_private_key
                )
            except signature.SignatureError as exc:
                raise UserError(_("The encrypted bill file could not be decrypted: nothing imported.")) from exc
        content = _gunzip(content)
        sha1 = signature.sha1_hex(content)
        if not signature.check_sha1(content, hash_value):
            # The caller records it (with both digests) outside the rolled-back savepoint.
            raise BillRefused(
                _(
                    "SHA1 mismatch: WeChat Pay stated %(stated)s, the downloaded file has %(found)s. "
                    "Nothing was imported.",
                    stated=hash_value,
                    found=sha1,
                ),
                values={"hash_value": hash_value, "sha1": sha1},
            )
        return content, hash_value, sha1

    def _reconcile_day(self, bill):
        """Reconcile the bill's day once the bill is in (best effort: a failure leaves the import)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                run = (
                    self.env["city.reconciliation"]
                    .sudo()
                    .with_company(self.company_id)
                    ._get_or_create(self.bill_date, self.bill_date, provider=self.provider_id, company=self.company_id)
                )
                run._reconcile()
        except (UserError, ValidationError) as exc:
            _logger.warning("WeChat Pay bill of %s: reconciliation postponed (%s)", bill.bill_date, type(exc).__name__)

    def _reconcile_profitsharing(self, content):
        """The profit-sharing bill against the shares and returns of its day (``city.settlement.payout``)."""
        self.ensure_one()
        try:
            lines = ps_bill.parse(content)
        except ps_bill.PsBillError as exc:
            raise UserError(_("The profit-sharing bill cannot be read: %s", exc)) from exc
        start = beijing_datetime(self.bill_date, time(0, 0))
        payouts = (
            self.env["city.settlement.payout"]
            .sudo()
            .search(
                [
                    ("transaction_id.provider_id", "=", self.provider_id.id),
                    ("wechatpay_kind", "in", ("share", "return")),
                    ("state", "=", "done"),
                    ("write_date", ">=", start),
                    ("write_date", "<", start + timedelta(days=1)),
                ]
            )
        )
        differences = ps_bill.reconcile(lines, [line for p in payouts for line in p._wechatpay_bill_lines()])
        text = "\n".join(
            f"{d.cause}: {d.out_no} {d.receiver} bill {d.bill_amount} / Odoo {d.odoo_amount}" for d in differences
        )
        return {"ps_line_count": len(lines), "ps_difference_count": len(differences), "ps_differences": text}

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_download_now(self):
        """Download (or retry) these bills now."""
        access.check_groups(self.env, access.OPERATOR, "base.group_system")
        self.check_access("read")
        # Downloads are written by the module (credentials, bills of the company): after the check.
        self.sudo()._download()
        return True


def _is_empty_bill(content, bill_kind):
    """Whether the file is a well-formed bill without a single line."""
    parse = billmod.parse_wechat_bill if bill_kind == "trade" else billmod.parse_wechat_fund_flow
    try:
        return not parse(content).lines
    except billmod.BillError:
        return False


def _gunzip(content):
    """The bill's text bytes: decompressed when WeChat sent it GZIP'd (at most MAX_BILL_SIZE)."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, MAX_BILL_SIZE + 1)
    except zlib.error as exc:
        raise UserError(_("The bill file is not a valid GZIP file: nothing imported.")) from exc
    if len(data) > MAX_BILL_SIZE or inflater.unconsumed_tail:
        raise UserError(_("The bill file is too large: nothing imported."))
    return data


def beijing_datetime(day, at=READY_AT):
    """A Beijing date and time as the naive UTC datetime Odoo stores (for tests and callers)."""
    return BEIJING.localize(datetime.combine(day, at)).astimezone(pytz.utc).replace(tzinfo=None)
