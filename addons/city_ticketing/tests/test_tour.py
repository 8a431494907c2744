# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import shutil

from odoo.tests import HttpCase, tagged

from .common import CityTicketingCommon


@tagged("post_install", "-at_install")
class TestScanTour(CityTicketingCommon, HttpCase):
    def test_merchant_scans_a_ticket_twice(self):
        self.assertTrue(
            any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
            "Chromium is needed for tours (scripts/setup.sh installs it)",
        )
        self._create_user("tour_scanner", "city_base.group_merchant_user", self.merchant_a, lang="zh_CN")
        ticket = self._buy_tickets(self.voucher_a)
        self.start_tour(
            "/odoo/action-city_ticketing.city_ticket_scan_action",
            "city_ticketing_scan",
            login="tour_scanner",
            timeout=120,
        )
        self.assertEqual(ticket.state, "redeemed")
        self.assertEqual(len(ticket.redemption_ids), 1)
