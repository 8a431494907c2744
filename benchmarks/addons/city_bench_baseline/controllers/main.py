# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Baselines with the same authentication and JSON handling as the product's endpoints."""

import json

from odoo import http
from odoo.http import request


class CityBenchBaseline(http.Controller):
    @http.route("/city/bench/trivial", type="http", auth="bearer", methods=["POST"], csrf=False, save_session=False)
    def trivial(self):
        json.loads(request.httprequest.get_data(as_text=True) or "{}")
        return request.make_json_response({"result": {"ok": True}})

    @http.route("/city/bench/insert", type="http", auth="bearer", methods=["POST"], csrf=False, save_session=False)
    def insert(self):
        body = json.loads(request.httprequest.get_data(as_text=True) or "{}")
        row = request.env["city.bench.row"].create({"name": str(body.get("code", ""))[:64]})
        return request.make_json_response({"result": {"id": row.id}})
