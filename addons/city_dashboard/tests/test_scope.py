# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A merchant's staff sees their own merchant only: in the cockpit (through call_kw, with
another merchant's ids), in the reporting views and in the XLSX export; the operator sees
the district; the cockpit opens in Chromium with its KPIs and heat map drawn."""

import io
import json
import shutil

import openpyxl

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CityDashboardCommon


@tagged("post_install", "-at_install")
class TestCockpitScope(CityDashboardCommon, HttpCase):
    def _call_kw(self, filters):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": "city.dashboard", "method": "get_cockpit_data", "args": [filters], "kwargs": {}},
        }
        response = self.url_open(
            "/web/dataset/call_kw/city.dashboard/get_cockpit_data",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_merchant_sees_own_merchant_through_call_kw(self):
        self.authenticate(self.manager_ktv.login, self.manager_ktv.login)
        # Another merchant's ids: nothing of theirs comes back.
        data = self._call_kw(self._filters(merchant_ids=[self.hotpot.id, self.beer.id]))["result"]
        self.assertEqual(data["merchants"], [])
        self.assertEqual({k["key"]: k["value"] for k in data["kpis"]}["gmv"], 0.0)
        self.assertEqual(data["heatmap"]["max"], 0)
        self.assertEqual([m["id"] for m in data["options"]["merchants"]], [self.ktv.id])
        # No ids: their own merchant, exactly.
        data = self._call_kw(self._filters(merchant_ids=[]))["result"]
        self.assertCockpitMatches(data, self.ktv)
        self.assertEqual([m["id"] for m in data["merchants"]], [self.ktv.id])

    def test_operator_sees_the_district(self):
        data = self.env["city.dashboard"].with_user(self.operator).get_cockpit_data(self._filters(merchant_ids=[]))
        self.assertLessEqual(set(self.merchants.ids), {m["id"] for m in data["merchants"]})
        self.assertTrue(data["options"]["is_platform"])

    def test_users_without_a_role_are_refused(self):
        clerk = new_test_user(self.env, login="dash_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["city.dashboard"].with_user(clerk).get_cockpit_data({})

    def test_reporting_views_follow_the_merchant_rules(self):
        Report = self.env["city.dashboard.activity.report"]
        own = Report.with_user(self.manager_ktv).search([])
        self.assertTrue(own)
        self.assertEqual(own.merchant_id, self.ktv)
        groups = Report.with_user(self.operator)._read_group(
            [("merchant_id", "in", self.merchants.ids), ("date", ">=", self.date_from), ("date", "<=", self.date_to)],
            ["merchant_id"],
            ["orders:sum"],
        )
        for merchant, orders in groups:
            self.assertEqual(orders, self._expected(merchant, self.date_from, self.date_to)["orders"])
        for model in ("city.dashboard.coupon.report", "city.dashboard.points.report", "city.dashboard.slot"):
            records = self.env[model].with_user(self.manager_ktv).search([])
            self.assertLessEqual(set(records.mapped("merchant_id").ids), {self.ktv.id}, model)

    def test_xlsx_export_is_scoped(self):
        self.authenticate(self.manager_ktv.login, self.manager_ktv.login)
        filters = json.dumps(self._filters(merchant_ids=[self.hotpot.id]))
        response = self.url_open(f"/city/dashboard/xlsx?filters={filters}")
        self.assertEqual(response.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        names = [row[0] for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(names, [])
        response = self.url_open(f"/city/dashboard/xlsx?filters={json.dumps(self._filters(merchant_ids=[]))}")
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertEqual(len(book.sheetnames), 7)
        names = [row[0] for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(names, [self.ktv.name])
        kpis = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
        expected = self._expected(self.ktv, self.date_from, self.date_to)
        self.assertEqual(next(iter(kpis.values())), expected["gmv"])

    def test_cockpit_tour(self):
        self.assertTrue(
            any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
            "Chromium is needed for tours (scripts/setup.sh installs it)",
        )
        self.operator.lang = "zh_CN"
        self.start_tour(
            "/odoo/action-city_dashboard.city_dashboard_action",
            "city_dashboard_cockpit",
            login=self.operator.login,
            timeout=180,
        )
