/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A merchant manager opens their own merchant and changes Monday's opening hours.
registry.category("web_tour.tours").add("city_base_merchant_opening_hours", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("city_base.city_base_menu_root", "Open the City Life app"),
        {
            content: "Open My Merchant",
            trigger: '.o-dropdown-item[data-menu-xmlid="city_base.res_partner_menu_my_merchant"], a[data-menu-xmlid="city_base.res_partner_menu_my_merchant"]',
            run: "click",
        },
        {
            content: "The merchant profile of the manager's own merchant is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(巡演茶馆)",
        },
        {
            content: "Open the Monday period",
            trigger: ".o_field_widget[name=opening_hours_ids] .o_data_row:first .o_data_cell[name=hour_from]",
            run: "click",
        },
        {
            content: "Open at 09:00",
            trigger: ".o_field_widget[name=opening_hours_ids] .o_data_row.o_selected_row .o_field_widget[name=hour_from] input",
            run: "edit 09:00",
        },
        {
            content: "Close at 23:30",
            trigger: ".o_field_widget[name=opening_hours_ids] .o_data_row.o_selected_row .o_field_widget[name=hour_to] input",
            run: "edit 23:30",
        },
        {
            content: "Leave the row, which applies it to the merchant",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "click",
        },
        {
            // Only now is the form certainly dirty: saving before would leave it unsaved.
            content: "The merchant has unsaved changes",
            trigger: ".o_form_dirty",
        },
        ...stepUtils.saveForm(),
        {
            content: "The saved merchant shows the new hours",
            trigger: ".o_form_saved .o_field_widget[name=opening_hours_summary]:contains(09:00–23:30)",
        },
    ],
});
