/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

// A merchant's staff scans a ticket code: success; scans it again: refused.
// The test issues exactly one ticket to the merchant; the tour reads its manual
// code (as the member would show it) through the merchant user's own access.
let code = "";

async function typeTicketCode(helpers) {
    if (!code) {
        const [ticket] = await rpc("/web/dataset/call_kw/city.ticket/search_read", {
            model: "city.ticket",
            method: "search_read",
            args: [[["state", "=", "issued"]], ["manual_code"]],
            kwargs: { limit: 1 },
        });
        code = ticket.manual_code;
    }
    await helpers.edit(code);
}

registry.category("web_tour.tours").add("city_ticketing_scan", {
    url: "/odoo/action-city_ticketing.city_ticket_scan_action",
    steps: () => [
        {
            content: "The scan screen is open",
            trigger: ".o_city_scan_screen .o_city_scan_input",
        },
        {
            content: "Scan the ticket",
            trigger: ".o_city_scan_input",
            run: typeTicketCode,
        },
        {
            content: "Scanner sends Enter",
            trigger: ".o_city_scan_input",
            run: "press Enter",
        },
        {
            content: "Big success message",
            trigger: ".o_city_scan_ok .o_city_scan_message:contains(核销成功)",
        },
        {
            content: "The redemption is in the recent list",
            trigger: ".o_city_scan_recent tbody tr",
        },
        {
            content: "Scan the same ticket again",
            trigger: ".o_city_scan_input",
            run: typeTicketCode,
        },
        {
            content: "Scanner sends Enter again",
            trigger: ".o_city_scan_input",
            run: "press Enter",
        },
        {
            content: "Big refusal: already redeemed",
            trigger: ".o_city_scan_refused .o_city_scan_message:contains(已核销)",
        },
    ],
});
