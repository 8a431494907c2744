#!/usr/bin/env bash
# Set up, build a fresh benchmark database with every city_* module, and run the
# benchmarks in benchmarks/ (all, or those named: scripts/bench.sh settlement).
# Each prints its figures as ratios against a baseline measured in the same run.
# CITY_BENCH_KEEP=1 keeps an existing CITY_BENCH_DB (upgraded) instead of building it afresh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all
DB=${CITY_BENCH_DB:-city_bench}
if [ -n "${CITY_BENCH_KEEP:-}" ] && db_exists "$DB"; then
    # Keep a database of an earlier run (its generated data, e.g. CITY_BENCH_DASHBOARD_REUSE=1),
    # the suite's modules upgraded to the work tree's code.
    log "keeping database '$DB': upgrading the suite's modules"
    install_into "$DB" -u "$(city_modules)"
else
    build_suite_db "$DB"
fi
cd "$REPO"
exec "$PY" benchmarks/run.py --database "$DB" --addons-path "$(odoo_addons_path)" --data-dir "$DATA_DIR" "$@"
