# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import models
from odoo.http import request

API_PREFIX = "/api/mp/v1/"


def api_lang(httprequest):
    """The language of the API's answers: English for ``Accept-Language: en…``, Chinese otherwise."""
    accept = httprequest.headers.get("Accept-Language", "")
    return "en_US" if accept.strip().lower().startswith("en") else "zh_CN"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # Odoo checks the request's language before dispatching: an ``auth='none'`` request of a
        # mini-program (no session, usually no Accept-Language) would get en_US, which a Chinese
        # district does not install, and Odoo would then read the superuser, its company and that
        # company's partner (three whole records) on every call to find the company's language.
        # The API answers in its own language (api_lang): given first, it is the one checked.
        if request.httprequest.path.startswith(API_PREFIX):
            request.update_context(lang=api_lang(request.httprequest))
        return super()._pre_dispatch(rule, args)
