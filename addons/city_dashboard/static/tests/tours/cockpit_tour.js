/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

// The cockpit opens from its menu with its KPIs and its heat map drawn.
registry.category("web_tour.tours").add("city_dashboard_cockpit", {
    url: "/odoo/action-city_dashboard.city_dashboard_action",
    steps: () => [
        {
            content: "The KPIs are rendered, GMV first",
            trigger: ".o_city_kpi[data-key='gmv'] .o_city_kpi_value:not(:contains('–'))",
        },
        {
            content: "The heat map has 7 weekdays of 48 half hours",
            trigger: ".o_city_cockpit_heatmap .o_city_heat_table:has(.o_city_heat_cell:nth-child(49))",
        },
        {
            content: "Some half hour is busy",
            trigger: ".o_city_heat_cell[style*='rgba(225, 87, 89, 1.000)']",
        },
        {
            content: "The merchant map is drawn",
            trigger: ".o_city_map .o_city_map_point circle",
        },
        {
            content: "Show redemptions only",
            trigger: ".o_city_measure",
            run: "select redemptions",
        },
        {
            content: "The heat map is redrawn",
            trigger: ".o_city_measure:has(option[value='redemptions']:selected)",
        },
    ],
});
