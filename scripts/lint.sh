#!/usr/bin/env bash
# Lint the tree: ruff (lint + format check) and pylint-odoo, through pre-commit.
# "scripts/lint.sh --fix" formats and fixes what ruff can first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_venv
ensure_requirements
export PATH=$VENV/bin:$PATH
cd "$REPO"
if [ "${1:-}" = "--fix" ]; then
    ruff check --fix . || true
    ruff format .
fi
PRE_COMMIT_HOME=${PRE_COMMIT_HOME:-$REPO/.cache/pre-commit} pre-commit run --all-files --show-diff-on-failure
