#!/usr/bin/env bash
# Refresh each module's i18n/<module>.pot from the test database and merge it
# into i18n/zh_CN.po (existing translations kept, new terms added untranslated).
# Usage: scripts/i18n.sh [module ...]   (run scripts/test.sh first to build the database)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=${CITY_TEST_DB:-city_test}
db_exists "$DB" || die "database '$DB' not found: run scripts/test.sh first"
modules=("$@")
[ ${#modules[@]} -gt 0 ] || IFS=, read -r -a modules <<<"$(city_modules)"
for module in "${modules[@]}"; do
    dir=$REPO/addons/$module/i18n
    mkdir -p "$dir"
    log "exporting $module"
    odoo -d "$DB" --i18n-export="$dir/$module.pot" --modules="$module" --stop-after-init --log-level=warn
    "$PY" "$REPO/scripts/po_merge.py" "$dir/$module.pot" "$dir/zh_CN.po"
done
