/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

function openAllianceMenu(xmlid, content, root = "city_alliance.city_alliance_menu_root") {
    return [
        {
            content: "Open the Alliances or Marketing menu (异业联盟, 营销)",
            trigger: `.o_menu_sections [data-menu-xmlid="${root}"]`,
            run: "click",
        },
        {
            content,
            trigger: `.o-dropdown-item[data-menu-xmlid="${xmlid}"], a[data-menu-xmlid="${xmlid}"]`,
            run: "click",
        },
    ];
}

function pick(field, text, content) {
    return [
        { content, trigger: `.o_field_widget[name=${field}] input`, run: `edit ${text}` },
        { content: `Select ${text}`, trigger: `.o-autocomplete--dropdown-item a:contains(${text})`, run: "click" },
    ];
}

// An operator (Chinese UI) creates an alliance with two members and a "pay here, get a coupon there" trigger,
// then a campaign with its holdout, starts it and opens its results.
registry.category("web_tour.tours").add("city_alliance_operator_alliance", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("city_base.city_base_menu_root", "Open the City Life app"),
        ...openAllianceMenu("city_alliance.city_alliance_menu", "Open Alliances (联盟)"),
        { content: "New alliance", trigger: ".o_list_button_add", run: "click" },
        { content: "Name it", trigger: ".o_field_widget[name=name] input", run: "edit 巡演火锅KTV联盟" },
        { content: "Add a member", trigger: ".o_field_x2many_list_row_add a", run: "click" },
        ...pick("merchant_id", "巡演火锅", "Invite the hotpot restaurant"),
        { content: "Add another member", trigger: ".o_field_x2many_list_row_add a", run: "click" },
        ...pick("merchant_id", "巡演KTV", "Invite the KTV"),
        ...stepUtils.saveForm(),
        ...openAllianceMenu("city_alliance.city_alliance_trigger_menu", "Open Coupon Triggers (发券触发规则)"),
        { content: "New trigger", trigger: ".o_list_button_add", run: "click" },
        { content: "Name it", trigger: ".o_field_widget[name=name] input", run: "edit 巡演火锅送KTV券" },
        ...pick("alliance_id", "巡演火锅KTV联盟", "Choose the alliance"),
        ...pick("partner_merchant_id", "巡演KTV", "The KTV's coupon"),
        ...pick("program_id", "巡演KTV券", "The coupon program"),
        { content: "Minimum amount", trigger: ".o_field_widget[name=min_amount] input", run: "edit 100" },
        ...stepUtils.saveForm(),
        ...openAllianceMenu(
            "city_alliance.city_campaign_menu",
            "Open Campaigns (营销活动)",
            "city_alliance.city_alliance_menu_marketing"
        ),
        { content: "New campaign", trigger: ".o_list_button_add", run: "click" },
        { content: "Name it", trigger: ".o_field_widget[name=name] input", run: "edit 巡演KTV召回" },
        ...pick("merchant_id", "巡演KTV", "The KTV's campaign"),
        ...pick("program_id", "巡演KTV券", "The coupon program"),
        { content: "Holdout 20 %", trigger: ".o_field_widget[name=holdout_pct] input", run: "edit 20" },
        ...stepUtils.saveForm(),
        { content: "Start it", trigger: "button[name=action_start]", run: "click" },
        { content: "Running: send now", trigger: "button[name=action_run_now]", run: "click" },
        { content: "Open the results", trigger: ".o_notebook_headers a[name=results]", run: "click" },
        { content: "Lift against the holdout", trigger: ".o_field_widget[name=incremental_revenue]" },
        { content: "Open the sends", trigger: ".oe_stat_button:has([name=sent_count])", run: "click" },
        { content: "The sends with their outcome", trigger: ".o_list_renderer th[data-name=outcome]" },
    ],
});
