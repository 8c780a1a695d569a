# Routine tasks. `make run` and `make test` set up .venv themselves on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KEYWORDS := -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2

LOCK := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --universal --python-version 3.11

.PHONY: run console test lint lock locales extract update compile clean migrate migration

# The versions CI tested, hash-checked; then the project itself (its dependencies are all locked).
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

lock: $(STAMP)  ## after changing dependencies in pyproject.toml: re-pin both lock files
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -o requirements-dev.lock

run: $(STAMP) compile  ## run the bot: polling with BOT_TOKEN, else the console chat
	$(BIN)/python -m bot

console: $(STAMP) compile  ## the console chat, e.g. make console ARGS="--lang lo"
	$(BIN)/python -m bot console $(ARGS)

# Tests run on every core (pytest-xdist); `make test WORKERS=0` runs them in this one process.
WORKERS ?= auto

test: $(STAMP) compile  ## the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -n $(WORKERS) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot handlers models benchmarks

extract: $(STAMP)  ## collect every translatable string into locales/messages.pot
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords $(KEYWORDS) --sort-by-file \
		--no-wrap --project orchard-bot -o locales/messages.pot .

update: extract  ## merge new strings into the three catalogs
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-wrap --ignore-obsolete --no-fuzzy-matching

# A catalog is compiled only when its .po is newer than its .mo: nothing is printed otherwise.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))

compile: $(STAMP) $(MO_FILES)  ## build the .mo files the bot reads (those out of date)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | $(STAMP)
	@$(BIN)/pybabel compile -d locales -l $* --statistics 2>&1 | grep -v '^$$' || true

locales: update compile

migrate: $(STAMP)  ## upgrade the database in DATABASE_URL to the newest migration
	$(BIN)/python -m bot migrate

migration: $(STAMP)  ## after changing models: make migration MSG="add orders table"
	$(BIN)/python scripts/new_migration.py "$(MSG)"

clean:
	rm -rf $(VENV) data console-files .pytest_cache
