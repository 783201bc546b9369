# LGO Assess. `make run` brings the app up with demo data; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi.py
STAMP  := $(VENV)/.installed

.PHONY: run test install translations db demo demo-code bench lint clean

# The demo runs in development mode: the app refuses the development SECRET_KEY otherwise.
db demo run demo-code: export FLASK_DEBUG := 1

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { echo "Python 3.11 is needed (found: $(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d translations >/dev/null

db: install
	@mkdir -p "$${INSTANCE_DIR:-instance}"  # SQLite creates the file, not its folder
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo load

## Run the app on SQLite with demo data at http://127.0.0.1:5000
run: demo translations
	$(BIN)/flask demo logins
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## The current 6-digit code of the demo approvers and administrators (their second factor)
demo-code: install
	$(BIN)/flask demo code

## Run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Extract interface strings and merge them into the Thai catalogue
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) instance .pytest_cache
