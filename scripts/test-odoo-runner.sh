#!/usr/bin/env bash
# Run the suite's module tests (addons/city_*/tests) with Odoo's own runner
# (odoo-bin --test-enable --test-tags /city_...) on a fresh test database, and
# check that it ran as many tests as pytest collects over addons/. Not part of
# CI (it runs the module tests a second time); tests/test_addons_layout.py keeps
# both runners' test lists equal without running them. Extra arguments go to odoo-bin.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all

DB=${CITY_TEST_DB:-city_test}
build_suite_db "$DB"

modules=$(city_modules)
tags=/${modules//,/,/}
logfile=$DATA_DIR/logs/test-odoo-runner-$DB.log
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log "running the tests of $modules with Odoo's runner (log: $logfile)"
status=0
odoo -d "$DB" --test-enable --test-tags "$tags" --stop-after-init --workers=0 --max-cron-threads=0 \
    --http-interface=127.0.0.1 --http-port="$port" --log-level=info --logfile="$logfile" "$@" || status=$?

# e.g. "... odoo.tests.result: 0 failed, 0 error(s) of 190 tests when loading database 'city_test'"
summary=$(grep -E "of [0-9]+ tests when loading database" "$logfile" | tail -n 1 || true)
[ -n "$summary" ] || { tail -n 40 "$logfile" >&2; die "Odoo's runner printed no test summary (log: $logfile)"; }
odoo_count=$(sed -E 's/.* of ([0-9]+) tests when loading.*/\1/' <<<"$summary")
log "Odoo's runner: ${summary#*odoo.tests.result: }"

cd "$REPO"
pytest_count=$("$PY" -m pytest --odoo-config="$ODOO_CONF" --odoo-database="$DB" \
    --odoo-addons-path="$(odoo_addons_path)" --odoo-extra="data-dir=$DATA_DIR" \
    --collect-only -q addons | sed -nE 's/^([0-9]+) tests? collected.*/\1/p')
log "pytest collects $pytest_count tests over addons/"

[ "$status" -eq 0 ] || die "Odoo's runner reported failures (log: $logfile)"
[ "$odoo_count" = "$pytest_count" ] || die "Odoo's runner ran $odoo_count tests, pytest collects $pytest_count"
log "both runners: $odoo_count tests"
