/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

function openLoyaltyMenu(xmlid, content) {
    return [
        {
            content: "Open the Loyalty Points menu",
            trigger: '.o_menu_sections [data-menu-xmlid="city_loyalty.city_loyalty_menu_root"]',
            run: "click",
        },
        {
            content,
            trigger: `.o-dropdown-item[data-menu-xmlid="${xmlid}"], a[data-menu-xmlid="${xmlid}"]`,
            run: "click",
        },
    ];
}

// An operator configures an earning rule and a points-mall reward, then reads a member's ledger.
registry.category("web_tour.tours").add("city_loyalty_operator_points", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("city_base.city_base_menu_root", "Open the City Life app"),
        ...openLoyaltyMenu("city_loyalty.city_points_rule_menu", "Open Earning Rules"),
        { content: "New rule", trigger: ".o_list_button_add", run: "click" },
        { content: "Name the rule", trigger: ".o_field_widget[name=name] input", run: "edit 巡演每元2分" },
        { content: "2 points per yuan", trigger: ".o_field_widget[name=points_per_yuan] input", run: "edit 2" },
        { content: "Daily cap", trigger: ".o_field_widget[name=daily_cap] input", run: "edit 300" },
        ...stepUtils.saveForm(),
        ...openLoyaltyMenu("city_loyalty.city_points_reward_menu", "Open the Points Mall"),
        { content: "New reward", trigger: ".o_list_button_add", run: "click" },
        { content: "Name the reward", trigger: ".o_field_widget[name=name] input", run: "edit 巡演代金券" },
        { content: "Points", trigger: ".o_field_widget[name=points_cost] input", run: "edit 300" },
        {
            content: "Pick the coupon program",
            trigger: ".o_field_widget[name=loyalty_program_id] input",
            run: "edit 巡演券",
        },
        { content: "Select it", trigger: ".o-autocomplete--dropdown-item a:contains(巡演券)", run: "click" },
        ...stepUtils.saveForm(),
        ...openLoyaltyMenu("city_loyalty.city_points_wallet_menu", "Open Member Wallets"),
        { content: "Open the member's wallet", trigger: ".o_data_row td:contains(巡演会员)", run: "click" },
        {
            content: "The ledger shows the member's earning",
            trigger: ".o_field_widget[name=ledger_ids] .o_data_row td:contains(88)",
        },
    ],
});
