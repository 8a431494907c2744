# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "City Life: benchmark baselines (bench only, never shipped)",
    "summary": "A trivial endpoint and a single-row-insert endpoint to measure against",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "City Life Suite contributors",
    "website": "https://github.com/city-life-suite/city-life-suite",
    "license": "LGPL-3",
    "depends": ["base"],
    "data": ["security/ir.model.access.csv"],
    "installable": True,
}
