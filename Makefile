# arclerk — every target creates .venv itself when it is missing.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test lint bench venv clean demo-reset system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

## run: the daemon on the embedded defaults (SQLite + Maildir) with the example invoices
run: $(STAMP)
	$(BIN)/arclerk import examples/invoices.json
	@echo "arclerk: invoices mailed land in mail/sent/new; drop mail into mail/inbox/new. Ctrl-C stops."
	$(BIN)/arclerk run

## system-deps: Dovecot for the IMAP tests (Debian/Ubuntu; needs root, as on CI)
system-deps:
	@command -v dovecot >/dev/null 2>&1 || { \
	  echo "installing dovecot-imapd (the IMAP tests run a private Dovecot)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; }

## test: lint, then every test tier (unit, integration on real Dovecot/SMTP/PostgreSQL, acceptance)
test: $(STAMP) system-deps lint
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check daemon parsers rules outbox ledger tests
	$(BIN)/ruff format --check daemon parsers rules outbox ledger tests
	$(BIN)/mypy daemon parsers rules outbox ledger

bench: $(STAMP) system-deps
	@command -v pdftotext >/dev/null 2>&1 || { \
	  echo "installing poppler-utils (pdftotext: the PDF benchmark's reference)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; }
	$(BIN)/python tests/bench/run.py

demo-reset:
	rm -rf arclerk.db arclerk.db-wal arclerk.db-shm mail/

clean: demo-reset
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
