/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { Component, onMounted, onWillStart, useRef, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// The merchant staff's scan screen: a hand scanner types the QR content and
// presses Enter into the focused input (or staff type the manual code).
export class CityTicketScanScreen extends Component {
    static template = "city_ticketing.ScanScreen";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.input = useRef("codeInput");
        this.state = useState({ code: "", uses: 1, busy: false, result: null, recent: [] });
        onWillStart(() => this.loadRecent());
        onMounted(() => this.input.el?.focus());
    }

    async loadRecent() {
        this.state.recent = await this.orm.call("city.ticket.redemption", "get_recent_redemptions", [], { limit: 10 });
    }

    async onKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
            await this.scan();
        }
    }

    async scan() {
        const code = this.state.code.trim();
        if (!code || this.state.busy) {
            return;
        }
        this.state.busy = true;
        try {
            this.state.result = await this.orm.call("city.ticket", "action_scan_code", [code], {
                uses: parseInt(this.state.uses, 10) || 1,
            });
            this.state.code = "";
            await this.loadRecent();
        } finally {
            this.state.busy = false;
            this.input.el?.focus();
        }
    }
}

registry.category("actions").add("city_ticketing.scan", CityTicketScanScreen);
