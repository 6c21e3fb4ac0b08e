# Precision Enforcement — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test setup dev-setup sysdeps browser tools translations db pytest e2e lint babel migration clean

## run: set everything up and serve on http://127.0.0.1:$(PORT) (embedded SQLite)
run: setup
	@$(BIN)/flask demo --if-empty
	@echo ">> serving on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	$(BIN)/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

## test: set up the development environment and run the whole suite
test: dev-setup browser tools
	$(BIN)/pytest

setup: sysdeps $(VENV)/.runtime translations db
dev-setup: sysdeps $(VENV)/.dev translations

sysdeps:
	@scripts/sysdeps.sh runtime

browser:
	@scripts/sysdeps.sh browser

tools:
	@scripts/sysdeps.sh tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

translations: $(VENV)/.runtime
	@$(BIN)/pybabel -q compile -d enforcement/translations -l en
	@$(BIN)/pybabel -q compile -d enforcement/translations -l zh_CN

db: $(VENV)/.runtime
	$(BIN)/flask db upgrade

## e2e: only the browser journeys
e2e: dev-setup browser
	$(BIN)/pytest tests/e2e

lint: $(VENV)/.dev
	$(BIN)/ruff check .

## babel: extract strings, update the catalogues, compile
babel: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
		--project "Precision Enforcement" -o enforcement/translations/messages.pot .
	$(BIN)/pybabel update -i enforcement/translations/messages.pot -d enforcement/translations \
		--no-fuzzy-matching
	$(MAKE) translations

## migration m="what changed": autogenerate a date-prefixed migration
migration: $(VENV)/.runtime
	$(BIN)/flask db migrate -m "$(m)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
