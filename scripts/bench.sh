#!/usr/bin/env bash
# Set up, build a fresh benchmark database with every city_* module, and run the
# benchmarks in benchmarks/ (all, or those named: scripts/bench.sh settlement).
# Each prints its figures as ratios against a baseline measured in the same run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all
DB=${CITY_BENCH_DB:-city_bench}
build_suite_db "$DB"
cd "$REPO"
exec "$PY" benchmarks/run.py --database "$DB" --addons-path "$(odoo_addons_path)" --data-dir "$DATA_DIR" "$@"
