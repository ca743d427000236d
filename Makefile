# Two commands for a newcomer: `make run` (set up, migrate, demo data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: setup run test lint translations messages clean rush bench dist

setup: $(VENV)/.installed static/vendor/.built translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# NL Design System CSS (Utrecht) and axe-core, copied into static/ (not committed).
static/vendor/.built: node_modules/.installed
	mkdir -p static/vendor/utrecht static/vendor/axe
	cp node_modules/@utrecht/design-tokens/dist/index.css static/vendor/utrecht/design-tokens.css
	cp node_modules/@utrecht/component-library-css/dist/index.css static/vendor/utrecht/component-library.css
	cp node_modules/axe-core/axe.min.js static/vendor/axe/axe.min.js
	touch $@

translations: $(VENV)/.installed
	@$(BIN)/pybabel --quiet compile --use-fuzzy -d mvi_challenges/translations

# For developers: refresh the catalogue after changing texts, then translate the new entries.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d mvi_challenges/translations --no-fuzzy-matching
	rm messages.pot

# Quiet: the migration's and the demo's notes go to instance/run-setup.log and are shown only when a
# step fails; the server prints the address it serves and what goes wrong.
run: setup
	@mkdir -p instance
	@$(FLASK) db upgrade > instance/run-setup.log 2>&1 || { cat instance/run-setup.log; exit 1; }
	@$(FLASK) seed-demo --if-empty 2>> instance/run-setup.log || { cat instance/run-setup.log; exit 1; }
	@MVI_DEMO=1 $(FLASK) run --host 127.0.0.1 --port 5000

lint: $(VENV)/.installed
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest

# The release: dist/mvi_challenges-<version>-py3-none-any.whl (and the sdist) with the package, its
# templates, static files with the NL Design System CSS, compiled catalogues and migrations, so a server
# needs neither the checkout, Node.js nor Babel's tools (README, "Running in production"). Built with
# this venv's setuptools (--no-isolation): the backend the tests use, no download at build time.
dist: $(VENV)/.installed static/vendor/.built translations
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .

# Not part of `make test` (it takes two minutes): 200 entrepreneurs submit in the last minute before a
# deadline through gunicorn, with double clicks and retries. SQLite by default; for PostgreSQL:
# make rush DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/mvi_rush (dropped and recreated).
# Two servers behind one address (they share Redis at 127.0.0.1:6379/7): make rush RUSH_ARGS="--servers 2".
rush: $(VENV)/.installed
	$(BIN)/python -m scripts.rush $(if $(DATABASE_URL),--database-url '$(DATABASE_URL)') $(RUSH_ARGS)

# Not part of `make test` (it takes minutes): builds the bench data set once (cached in instance/bench/),
# serves it with gunicorn (2 workers, bench/app.py) and measures the key pages, public and logged in,
# with wrk beside two ceilings, with the page cache and without it, on SQLite and then PostgreSQL
# (BENCH_PG_URL, default the local server). Writes bench/results.md.
BENCH_SCALE ?= 1
BENCH_SECONDS ?= 10
bench: $(VENV)/.installed translations
	$(BIN)/python -m scripts.bench --scale $(BENCH_SCALE) --seconds $(BENCH_SECONDS)

clean:
	rm -rf $(VENV) node_modules static/vendor instance/mvi.sqlite3* dist build
