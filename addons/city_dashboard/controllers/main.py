# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json

from odoo import http
from odoo.http import content_disposition, request


class CityDashboardController(http.Controller):
    @http.route("/city/dashboard/xlsx", type="http", auth="user", methods=["GET"], readonly=True)
    def cockpit_xlsx(self, filters="{}"):
        """The cockpit's tables as XLSX, in the user's scope (a read-only request: replica)."""
        try:
            parsed = json.loads(filters)
        except ValueError:
            parsed = {}
        if not isinstance(parsed, dict):
            parsed = {}
        content = request.env["city.dashboard"]._city_export_xlsx(parsed)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ("Content-Disposition", content_disposition("数据驾驶舱.xlsx")),
            ],
        )
