#!/usr/bin/env bash
# Prepare this machine for the suite: PostgreSQL, a virtual environment with
# Odoo 18.0 and the suite's requirements, Chromium for browser tests.
# Idempotent: a second run only checks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all
log "ready: Odoo $(odoo_version) ($(cd / && "$PY" -c 'import odoo, os; print(os.path.dirname(odoo.__file__))')), PostgreSQL answers, $(command -v chromium || command -v chromium-browser || command -v google-chrome)"
