#!/usr/bin/env bash
# Upgrade check: build a database with the suite as it was at a base commit (default
# 9f37111, the main branch before the RPC-surface hardening), then update every city_*
# module with this checkout's code (`-u`), and check what a renamed method could
# break in stored data:
#   - the update logs no ERROR and no warning of the suite (install_into);
#   - every button of type "object" in the suite's views names an RPC-callable method;
#   - every server action and cron calling `model.<method>(` names an existing method;
#   - each module's installed version is its manifest's.
# Too slow for every CI run (two database builds); run it when methods, XML ids or
# data move:  bash scripts/check_upgrade.sh [base-commit]
# (CITY_UPGRADE_CHECK_ONLY=1 re-runs only the checks on the database already upgraded.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all

BASE=${1:-9f37111}
DB=${CITY_UPGRADE_DB:-city_upgrade_check}
OLD=${TMPDIR:-/tmp}/city-upgrade-base-$BASE

if [ -z "${CITY_UPGRADE_CHECK_ONLY:-}" ]; then
    if [ ! -d "$OLD" ]; then
        log "checking out $BASE into $OLD"
        git -C "$REPO" worktree add --detach "$OLD" "$BASE" >/dev/null
    fi

    log "building '$DB' with the suite of $BASE"
    CITY_VENV=$VENV CITY_DATA_DIR=$DATA_DIR bash -c "source '$OLD/scripts/lib.sh'; build_suite_db '$DB'"

    log "updating '$DB' with this checkout's modules"
    install_into "$DB" -u "$(city_modules)"
fi

log "checking buttons, server actions and module versions of '$DB'"
logfile=$DATA_DIR/logs/upgrade-check-$DB.log
odoo shell -d "$DB" --no-http --log-level=warn --logfile="$logfile" <<'PYEOF'
import re
import sys

from lxml import etree

from odoo.exceptions import AccessError
from odoo.modules.module import adapt_version, get_manifest
from odoo.service.model import get_public_method

problems = []
checked = 0
views = env["ir.ui.view"].search([("type", "in", ("form", "list", "kanban")), ("model", "!=", False)])
for view in views:
    # The suite's views (Odoo's own have buttons of modules not installed here).
    if view.model not in env or not (view.xml_id or "").startswith("city_"):
        continue
    checked += 1
    arch = etree.fromstring(view.arch_db.encode()) if view.arch_db else None
    for button in arch.iter("button") if arch is not None else ():
        if button.get("type") != "object" or not button.get("name"):
            continue
        if any(ancestor.tag == "field" for ancestor in button.iterancestors()):
            continue  # a button of an embedded list or form acts on the field's comodel
        name = button.get("name")
        try:
            get_public_method(env[view.model], name)
        except (AccessError, AttributeError) as exc:
            problems.append(f"view {view.xml_id or view.id} ({view.model}): button {name}: {exc}")
actions = env["ir.actions.server"].with_context(active_test=False).search([("state", "=", "code")])
for action in actions:
    if action.model_name not in env:
        continue
    for name in re.findall(r"\bmodel\.(\w+)\(", action.code or ""):
        if not hasattr(env[action.model_name], name):
            problems.append(f"server action {action.xml_id or action.id} ({action.model_name}): no method {name}")
for module in env["ir.module.module"].search([("name", "=like", "city\\_%"), ("state", "=", "installed")]):
    version = adapt_version(get_manifest(module.name).get("version", ""))
    if module.latest_version != version:
        problems.append(f"module {module.name}: installed {module.latest_version}, manifest {version}")
for problem in problems:
    print("UPGRADE PROBLEM:", problem)
print(f"checked {checked} views of the suite and {len(actions)} server actions: {len(problems)} problems")
sys.exit(1 if problems else 0)
PYEOF
log "upgrade from $BASE: OK (database '$DB' kept; drop it with: dropdb $DB)"
