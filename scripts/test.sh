#!/usr/bin/env bash
# Set up, build a fresh test database with every city_* module installed, and
# run every module test (addons/city_*/tests) and every top-level test (tests/)
# through pytest (pytest-odoo). Extra arguments go to pytest, e.g.
#   scripts/test.sh -k allocation        scripts/test.sh addons/city_base
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all

DB=${CITY_TEST_DB:-city_test}
build_suite_db "$DB"

log "running tests"
cd "$REPO"
export CITY_TEST_DB=$DB CITY_DATA_DIR=$DATA_DIR
# test-enable puts Odoo in test mode, as its own runner does; with it alone, loading the
# registry would also run the at_install tests of every installed module (Odoo's own,
# 2,048 of them, minutes, unreported): test-tags=-* selects none of them, pytest picks the tests.
exec "$PY" -m pytest \
    --odoo-config="$ODOO_CONF" --odoo-database="$DB" --odoo-addons-path="$(odoo_addons_path)" \
    --odoo-extra="data-dir=$DATA_DIR" --odoo-extra=test-enable --odoo-extra="test-tags=-*" \
    --odoo-http --odoo-log-level=error \
    "$@"
