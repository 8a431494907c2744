#!/usr/bin/env bash
# Odoo's own tests with the suite installed: run Odoo's test suites of the modules
# whose models the suite inherits (sale, sale_loyalty, loyalty, payment, sale_stock,
# stock_account and a listed part of account) on two databases built from the same
# template: one with every city_* module, one without them. Reports the tests that
# fail only with the suite (exit status 1 when there is any); tests that fail on
# both databases are the baseline (on a Chinese database some of Odoo's tests
# compare English strings) and are listed as such.
#
# The tests run through pytest-odoo on the fully loaded registry, after every module
# is installed: Odoo's own runner would run the at_install tests while the suite's
# modules are not loaded yet. Set CITY_TEST_ODOO_TESTS to run other test files or
# directories or pytest node ids (space-separated, relative to Odoo's addons directory), e.g.
#   CITY_TEST_ODOO_TESTS="sale/tests/test_access_rights.py account/tests/test_product.py" scripts/test-odoo.sh
# Extra arguments go to both pytest runs (e.g. -k access). CITY_TEST_ODOO_STEPS chooses
# the steps (default "build suite bare"): after a fix, "suite" alone re-runs the tests
# on the existing database with the suite and compares with the last run without it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all

DB=${CITY_TEST_DB:-city_test}_odoo
BARE_DB=${DB}_bare
# Odoo modules whose tests run; installed into both databases when the template lacks them.
TESTED_MODULES=(sale sale_loyalty loyalty payment sale_stock stock_account account)
# The whole of account takes hours on a small machine: its tests on products, invoices,
# journal entries, payments and partners' and portal access.
ACCOUNT_TESTS=(
    test_product.py
    test_account_move_out_invoice.py
    test_account_move_out_refund.py
    test_account_move_entry.py
    test_account_payment.py
    test_account_payment_register.py
    test_account_partner.py
    test_portal_invoice.py
)

odoo_addons_dir() {
    (cd / && "$PY" -c '
import os, odoo
root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
for path in (os.path.join(root, "addons"), os.path.join(root, "odoo", "addons")):
    if os.path.isdir(os.path.join(path, "sale")):
        print(path)
        break')
}
ADDONS_DIR=$(odoo_addons_dir)
[ -n "$ADDONS_DIR" ] || die "cannot find Odoo's own addons (with their tests) next to the importable Odoo."

if [ -n "${CITY_TEST_ODOO_TESTS:-}" ]; then
    read -r -a relative <<<"$CITY_TEST_ODOO_TESTS"
else
    relative=()
    for module in "${TESTED_MODULES[@]}"; do
        [ "$module" = account ] || relative+=("$module/tests")
    done
    for file in "${ACCOUNT_TESTS[@]}"; do relative+=("account/tests/$file"); done
fi
TEST_PATHS=()
for path in "${relative[@]}"; do
    [ -e "$ADDONS_DIR/${path%%::*}" ] || die "no $ADDONS_DIR/${path%%::*}"
    TEST_PATHS+=("$ADDONS_DIR/$path")
done

# Modules of the test list that the template does not hold (sale_loyalty is
# auto-installed with sale and loyalty, but the template only promises the suite's
# dependencies): both databases get them, so both have the same Odoo modules.
missing_modules() { # db
    local module wanted=() installed
    installed=$(psql -d "$1" -Atqc "select name from ir_module_module where state = 'installed'")
    for module in "${TESTED_MODULES[@]}"; do
        grep -qx "$module" <<<"$installed" || wanted+=("$module")
    done
    (IFS=,; echo "${wanted[*]}")
}

build_test_odoo_dbs() {
    local missing
    build_suite_db "$DB"
    log "building fresh database '$BARE_DB' (the same template, without the suite)"
    build_template_copy "$BARE_DB"
    missing=$(missing_modules "$BARE_DB")
    if [ -n "$missing" ]; then
        log "installing Odoo modules whose tests run but the template lacks: $missing"
        install_into "$DB" -i "$missing"
        install_into "$BARE_DB" -i "$missing"
    fi
    # The comparison means something only when both hold the same Odoo modules.
    local odoo_modules="select name from ir_module_module where state = 'installed' and name not like 'city\\_%' order by name"
    [ "$(psql -d "$DB" -Atqc "$odoo_modules")" = "$(psql -d "$BARE_DB" -Atqc "$odoo_modules")" ] ||
        die "'$DB' and '$BARE_DB' do not hold the same Odoo modules."
}

run_odoo_tests() { # db, then pytest arguments
    local db=$1 xml=$DATA_DIR/logs/test-odoo-$1.xml log=$DATA_DIR/logs/test-odoo-$1.log
    shift
    log "running Odoo's tests on '$db' (log: $log)"
    rm -f "$xml"
    # Odoo's tests skip what does not apply to the database: skips are reported, not failures.
    (cd "$REPO" && PYTHONUNBUFFERED=1 CITY_ALLOW_SKIPS=1 CITY_TEST_DB=$db CITY_DATA_DIR=$DATA_DIR "$PY" -m pytest \
        -c "$REPO/pyproject.toml" --rootdir="$REPO" -o console_output_style=classic \
        --junitxml="$xml" -o junit_family=xunit1 \
        --odoo-config="$ODOO_CONF" --odoo-database="$db" --odoo-addons-path="$(odoo_addons_path)" \
        --odoo-extra="data-dir=$DATA_DIR" --odoo-extra=test-enable --odoo-http --odoo-log-level=error \
        "${TEST_PATHS[@]}" "$@") >"$log" 2>&1 || true
    [ -s "$xml" ] || { tail -n 40 "$log" >&2; die "Odoo's tests did not run on '$db' (log: $log)"; }
    tail -n 1 "$log" >&2
}

# Compare the two runs: every test id with its outcome on each database.
report() {
    "$PY" - "$DATA_DIR/logs/test-odoo-$DB.xml" "$DATA_DIR/logs/test-odoo-$BARE_DB.xml" "$1" <<'PYEOF'
import re
import sys
import xml.etree.ElementTree as ET

def outcomes(path):
    result = {}
    for case in ET.parse(path).iter("testcase"):
        # The file, relative to Odoo's addons: "../../opt/odoo18/addons/sale/tests/test_x.py"
        # -> "sale/tests/test_x.py", then the class (the last part of classname).
        module = re.sub(r"^.*?\baddons/", "", case.get("file", "")).removesuffix(".py").replace("/", ".")
        classname = f"{module}.{case.get('classname', '').rsplit('.', 1)[-1]}"
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                kind = "failed"
                break
            if child.tag == "skipped":
                kind = "skipped"
        test_id = f"{classname}.{case.get('name')}"
        # A setup error and a failure of the same test count once, as failed.
        if result.get(test_id) != "failed":
            result[test_id] = kind
    return result

suite, bare, minutes = outcomes(sys.argv[1]), outcomes(sys.argv[2]), float(sys.argv[3])
failed = lambda run: {t for t, kind in run.items() if kind == "failed"}
only_suite = sorted(failed(suite) - failed(bare))
baseline = sorted(failed(suite) & failed(bare))
only_bare = sorted(failed(bare) - failed(suite))
skipped = sorted(t for t, kind in suite.items() if kind == "skipped")
missing = sorted(set(bare) - set(suite))
print(f"\nOdoo's tests: {len(suite)} run with the suite, {len(bare)} without it, in {minutes:.0f} min")
print(f"  passed with the suite: {sum(kind == 'passed' for kind in suite.values())}")
print(f"  skipped with the suite (Odoo's own skips): {len(skipped)}")
print(f"  baseline, failing with and without the suite: {len(baseline)}")
for test in baseline:
    print(f"    {test}")
if only_bare:
    print(f"  failing only without the suite: {len(only_bare)}")
    for test in only_bare:
        print(f"    {test}")
if missing:
    print(f"  run without the suite but not with it: {len(missing)}")
    for test in missing:
        print(f"    {test}")
print(f"  FAILING ONLY WITH THE SUITE: {len(only_suite)}")
for test in only_suite:
    print(f"    {test}")
sys.exit(1 if only_suite or missing else 0)
PYEOF
}

start=$(date +%s)
for step in ${CITY_TEST_ODOO_STEPS:-build suite bare}; do
    case $step in
    build) build_test_odoo_dbs ;;
    suite) run_odoo_tests "$DB" "$@" ;;
    bare) run_odoo_tests "$BARE_DB" "$@" ;;
    *) die "unknown step '$step' in CITY_TEST_ODOO_STEPS (build, suite, bare)" ;;
    esac
done
for db in "$DB" "$BARE_DB"; do
    [ -s "$DATA_DIR/logs/test-odoo-$db.xml" ] || die "no results of Odoo's tests on '$db' yet: run the step that makes them."
done
report "$(( ($(date +%s) - start) / 60 ))"
