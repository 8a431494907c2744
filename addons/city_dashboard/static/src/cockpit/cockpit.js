/** @odoo-module **/
// Copyright 2026 City Life Suite contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { Component, onMounted, onPatched, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#d62728"];
const MAP_WIDTH = 640;
const MAP_HEIGHT = 420;

/** The district's data cockpit (同城商圈 › 数据驾驶舱): one read-only call, charts by Chart.js. */
export class CityCockpit extends Component {
    static template = "city_dashboard.Cockpit";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.state = useState({ data: null, filters: {}, loading: false });
        this.dailyRef = useRef("daily");
        this.couponRef = useRef("couponFunnel");
        this.behaviourRef = useRef("behaviourFunnel");
        this.categoryRef = useRef("categories");
        this.charts = [];
        // Both at once: the data call starts before the component can be left.
        onWillStart(() => Promise.all([loadBundle("web.chartjs_lib"), this.load()]));
        onMounted(() => this.renderCharts());
        onPatched(() => this.renderCharts());
        onWillUnmount(() => this.destroyCharts());
    }

    async load() {
        this.state.loading = true;
        const data = await this.orm.call("city.dashboard", "get_cockpit_data", [this.state.filters]);
        this.state.filters = { ...data.filters };
        this.state.data = data;
        this.state.loading = false;
    }

    // --- filters ---------------------------------------------------------------

    onDate(ev, key) {
        this.state.filters[key] = ev.target.value;
        this.load();
    }

    onMerchant(ev) {
        const id = parseInt(ev.target.value);
        this.state.filters.merchant_ids = id ? [id] : [];
        this.load();
    }

    onCategory(ev) {
        const id = parseInt(ev.target.value);
        this.state.filters.category_ids = id ? [id] : [];
        this.load();
    }

    onMeasure(ev) {
        this.state.filters.measure = ev.target.value;
        this.load();
    }

    get xlsxUrl() {
        return `/city/dashboard/xlsx?filters=${encodeURIComponent(JSON.stringify(this.state.filters))}`;
    }

    print() {
        window.print();
    }

    // --- formatting ----------------------------------------------------------------

    formatValue(kpi, value = kpi.value) {
        if (value === null || value === undefined) {
            return "–";
        }
        if (kpi.format === "pct") {
            return `${(value * 100).toFixed(1)}%`;
        }
        if (kpi.format === "money") {
            return `${this.state.data.currency}${Number(value).toLocaleString(undefined, {
                minimumFractionDigits: 2,
                maximumFractionDigits: 2,
            })}`;
        }
        return Number(value).toLocaleString();
    }

    changeText(kpi) {
        if (kpi.change === null || kpi.change === undefined) {
            return "";
        }
        const arrow = kpi.change >= 0 ? "▲" : "▼";
        return `${arrow} ${Math.abs(kpi.change * 100).toFixed(1)}%`;
    }

    heatStyle(value) {
        const max = this.state.data.heatmap.max || 1;
        const alpha = value ? 0.08 + 0.92 * (value / max) : 0;
        return `background-color: rgba(225, 87, 89, ${alpha.toFixed(3)});`;
    }

    heatTitle(day, slot, value) {
        const heat = this.state.data.heatmap;
        return `${heat.weekdays[day]} ${heat.slots[slot]}: ${value}`;
    }

    // --- the merchant map (offline: SVG from the merchants' coordinates) ---------------

    get mapPoints() {
        const merchants = this.state.data.merchants;
        if (!merchants.length) {
            return [];
        }
        const lats = merchants.map((m) => m.latitude);
        const lons = merchants.map((m) => m.longitude);
        const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
        const kx = Math.cos((midLat * Math.PI) / 180);
        const spanX = Math.max((Math.max(...lons) - Math.min(...lons)) * kx, 0.002);
        const spanY = Math.max(Math.max(...lats) - Math.min(...lats), 0.002);
        const scale = Math.min((MAP_WIDTH - 80) / spanX, (MAP_HEIGHT - 80) / spanY);
        const maxActivity = Math.max(1, ...merchants.map((m) => m.orders + m.redemptions));
        const categories = [...new Set(merchants.map((m) => m.category_id))];
        return merchants.map((m) => ({
            ...m,
            x: 40 + (m.longitude - Math.min(...lons)) * kx * scale,
            y: MAP_HEIGHT - 40 - (m.latitude - Math.min(...lats)) * scale,
            r: 4 + 24 * Math.sqrt((m.orders + m.redemptions) / maxActivity),
            fill: PALETTE[categories.indexOf(m.category_id) % PALETTE.length],
        }));
    }

    get mapLegend() {
        const seen = new Map();
        for (const point of this.mapPoints) {
            seen.set(point.category, point.fill);
        }
        return [...seen.entries()].map(([name, fill]) => ({ name, fill }));
    }

    // --- charts -------------------------------------------------------------------------

    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    renderCharts() {
        if (!this.state.data || !this.dailyRef.el) {
            return;
        }
        this.destroyCharts();
        const data = this.state.data;
        const animation = { duration: 0 };
        this.charts.push(
            new Chart(this.dailyRef.el, {
                type: "bar",
                data: {
                    labels: data.daily.days,
                    datasets: [
                        { type: "line", label: _t("GMV"), data: data.daily.gmv, yAxisID: "y1", borderColor: PALETTE[2],
                            backgroundColor: PALETTE[2] },
                        { label: _t("Orders"), data: data.daily.orders, backgroundColor: PALETTE[0] },
                        { label: _t("Redemptions"), data: data.daily.redemptions, backgroundColor: PALETTE[3] },
                    ],
                },
                options: {
                    animation, maintainAspectRatio: false,
                    scales: { y: { beginAtZero: true }, y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } },
                },
            })
        );
        for (const [ref, steps, color] of [
            [this.couponRef, data.funnels.coupon, PALETTE[1]],
            [this.behaviourRef, data.funnels.behaviour, PALETTE[4]],
        ]) {
            this.charts.push(
                new Chart(ref.el, {
                    type: "bar",
                    data: { labels: steps.map((s) => s.label), datasets: [{ data: steps.map((s) => s.value), backgroundColor: color }] },
                    options: { animation, indexAxis: "y", maintainAspectRatio: false, plugins: { legend: { display: false } } },
                })
            );
        }
        this.charts.push(
            new Chart(this.categoryRef.el, {
                type: "doughnut",
                data: {
                    labels: data.categories.map((c) => c.name),
                    datasets: [{ data: data.categories.map((c) => c.gmv), backgroundColor: PALETTE }],
                },
                options: { animation, maintainAspectRatio: false, plugins: { legend: { position: "right" } } },
            })
        );
    }
}

registry.category("actions").add("city_dashboard.cockpit", CityCockpit);
