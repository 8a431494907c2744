# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json

import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import request

API_PREFIX = "/city/ticketing/v1/"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _authenticate(cls, endpoint):
        """The machine API keeps Odoo's bearer check but refuses in JSON, never with an HTML page.

        A missing, malformed, wrong, expired or revoked key on ``/city/ticketing/v1/``
        answers 401 ``{"error": {"code": "unauthorized", "message": ...}}``.
        """
        try:
            return super()._authenticate(endpoint)
        except (AccessDenied, werkzeug.exceptions.Unauthorized) as exc:
            if not request.httprequest.path.startswith(API_PREFIX):
                raise
            env = request.env
            if request.httprequest.headers.get("Authorization", "").lower().startswith("bearer "):
                message = env._("This API key is invalid, expired or revoked.")
            else:
                message = env._('Send your API key in the header "Authorization: Bearer <key>".')
            response = request.make_response(
                json.dumps({"error": {"code": "unauthorized", "message": message}}, ensure_ascii=False),
                headers=[("Content-Type", "application/json; charset=utf-8"), ("WWW-Authenticate", "Bearer")],
                status=401,
            )
            raise werkzeug.exceptions.Unauthorized(response=response) from exc
