# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The cockpit's tables as an XLSX workbook (plain Python: the cockpit's data dict in, a file out)."""

import xlsxwriter


def _table(book, sheet_name, headers, rows, formats):
    sheet = book.add_worksheet(sheet_name[:31])
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.write_row(0, 0, headers, formats["header"])
    for row_index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(row_index, col, value, formats["number"])
            elif value is None:
                sheet.write_blank(row_index, col, None)
            else:
                sheet.write(row_index, col, value)
    sheet.set_column(0, max(len(headers) - 1, 0), 14)
    sheet.freeze_panes(1, 1)
    return sheet


def write_cockpit(output, data, labels):
    """Write ``data`` (``city.dashboard.get_cockpit_data``) with translated ``labels`` to ``output``."""
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1}),
        "number": book.add_format({"num_format": "#,##0.00"}),
    }
    period = f"{data['filters']['date_from']} – {data['filters']['date_to']}"
    _table(
        book,
        labels["kpis"],
        [labels["kpi"], labels["value"], labels["previous"], labels["change"], labels["period"]],
        [(k["label"], k["value"], k["previous"], k["change"], period) for k in data["kpis"]],
        formats,
    )
    heat = data["heatmap"]
    _table(
        book,
        labels["heatmap"],
        [labels["weekday"], *heat["slots"]],
        [(heat["weekdays"][day], *[float(v) for v in heat["values"][day]]) for day in range(7)],
        formats,
    )
    daily = data["daily"]
    _table(
        book,
        labels["daily"],
        [labels["day"], labels["gmv"], labels["orders"], labels["redemptions"]],
        list(zip(daily["days"], [float(v) for v in daily["gmv"]], daily["orders"], daily["redemptions"], strict=True)),
        formats,
    )
    _table(
        book,
        labels["merchants"],
        [labels["merchant"], labels["category"], labels["gmv"], labels["orders"], labels["redemptions"]],
        [(m["name"], m["category"], float(m["gmv"]), m["orders"], m["redemptions"]) for m in data["merchants"]],
        formats,
    )
    _table(
        book,
        labels["categories"],
        [labels["category"], labels["gmv"], labels["orders"], labels["redemptions"]],
        [(c["name"], float(c["gmv"]), c["orders"], c["redemptions"]) for c in data["categories"]],
        formats,
    )
    funnels = data["funnels"]
    _table(
        book,
        labels["funnels"],
        [labels["funnel"], labels["step"], labels["count"]],
        [(labels["coupon_funnel"], s["label"], s["value"]) for s in funnels["coupon"]]
        + [(labels["behaviour_funnel"], s["label"], s["value"]) for s in funnels["behaviour"]],
        formats,
    )
    alliance = data["alliance"]
    _table(
        book,
        labels["alliance"],
        [labels["funnel"], labels["from"], labels["to"], labels["count"], labels["revenue"]],
        [(labels["cross"], p["from"], p["to"], p["count"], float(p["revenue"])) for p in alliance["cross"]]
        + [
            (labels["new_customers"], p["from"], p["to"], p["count"], float(p["revenue"]))
            for p in alliance["new_customers"]
        ],
        formats,
    )
    campaigns = data.get("campaigns") or []
    if campaigns:
        headers = list(campaigns[0]["columns"])
        _table(book, labels["campaigns"], headers, [c["row"] for c in campaigns], formats)
    book.close()
