# City Life Suite — the commands of the README. Each one sets up what it needs.
.PHONY: setup run test test-odoo lint bench i18n

setup:  ## install PostgreSQL, Odoo 18.0 (if missing), Python requirements, Chromium
	bash scripts/setup.sh

run:    ## create/update the 'city' database with demo data and serve http://localhost:8069
	bash scripts/run.sh

test:   ## build a fresh test database and run every test through pytest (pytest-odoo)
	bash scripts/test.sh

test-odoo:  ## Odoo's own tests of sale, stock, loyalty, payment, account with and without the suite
	bash scripts/test-odoo.sh

lint:   ## ruff + pylint-odoo through pre-commit
	bash scripts/lint.sh

bench:  ## run the benchmarks (figures as ratios against same-run baselines)
	bash scripts/bench.sh

i18n:   ## refresh each module's .pot and merge new terms into zh_CN.po
	bash scripts/i18n.sh
