# The two commands of the README: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The embedded demo of `make run` (only that target sees these; a real deployment sets its own secrets).
# `make run PORT=8011` (and HOST=…) serves elsewhere; the QR links follow unless CERTREG_PUBLIC_URL is set.
HOST ?= 127.0.0.1
PORT ?= 8000
run: export CERTREG_DATABASE_URL ?= sqlite+aiosqlite:///./var/certreg.db
run: export CERTREG_KEY_DIR ?= ./var/keys
run: export CERTREG_KEY_PASSPHRASE ?= demo-passphrase-change-me
run: export CERTREG_ID_HASH_KEY ?= demo-id-hash-key-change-me-0123456789
run: export CERTREG_PUBLIC_URL ?= http://$(HOST):$(PORT)
# The demo mode: its batch is noticed for 0 days (rule 8 asks 7), so the pages and the log say it is a demo.
run: export CERTREG_DEMO_MODE ?= 1

.PHONY: run test lint typecheck imports pytest chromium clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# setuptools prints a notice about editable installs on every install; PYTHONWARNINGS keeps the quick start's
	# output to what a user needs (pip's own errors still show).
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@mkdir -p var
	$(BIN)/certreg db upgrade
	$(BIN)/certreg demo load
	$(BIN)/certreg serve --host $(HOST) --port $(PORT)

# Debian's Chromium (and a CJK font, so screenshots show Chinese) for the browser tests, and poppler-utils
# (pdftotext, pdftoppm, pdfdetach …) with which the certificate tests read PDFs; installed once. The PDFs
# themselves use only the font the project ships (issuer/documents/fonts/).
chromium:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  echo "installing Debian's chromium, poppler-utils and a CJK font for the browser and certificate tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium poppler-utils fonts-wqy-microhei >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check keys registry verify issuer tests bench
	$(BIN)/ruff format --check keys registry verify issuer tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# Test processes: twice the cores, at most 8 (each has a Redis database and a PostgreSQL database of its own).
# The suite waits (servers and CLI processes starting, Redis stalled on purpose) about as much as it computes:
# on 2 cores -n 2 took 486 s, -n 3 445 s, -n 4 425 s (2026-12-07, same tree, quiet machine).
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( 2 * n < 8 ? 2 * n : 8 )))
pytest: $(STAMP) chromium
	@mkdir -p test-artifacts
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

test: lint typecheck imports pytest

clean:
	rm -rf $(VENV) var test-artifacts .mypy_cache .ruff_cache .pytest_cache

# requirements.lock: the image's dependencies pinned with hashes (wheels for CPython 3.11, linux x86_64), from
# one dry-run resolution of pyproject.toml's dependencies by pip itself; requirements-build.lock the same for the
# build backend [build-system] names (the image builds certreg's wheel with it).
LOCK_LINES = "import json, sys; r = json.load(open(sys.argv[1])); print('\n'.join([sys.argv[2], ''] + [f\"{i['metadata']['name'].lower()}=={i['metadata']['version']} \\\\\\n    --hash=sha256:{i['download_info']['archive_info']['hashes']['sha256']}\" for i in sorted(r['install'], key=lambda i: i['metadata']['name'].lower()) if i['metadata']['name'] != 'certreg']))"
BUILD_REQUIRES = "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'])"
.PHONY: lock
lock: $(STAMP)
	@mkdir -p var
	$(BIN)/python -m pip install --quiet --dry-run --ignore-installed --only-binary=:all: --report var/lock.json .
	$(BIN)/python -c $(LOCK_LINES) var/lock.json '# certreg runtime dependencies with hashes (make lock); CPython 3.11, linux x86_64, wheels only.' > requirements.lock
	$(BIN)/python -m pip install --quiet --dry-run --ignore-installed --only-binary=:all: --report var/build-lock.json $$($(BIN)/python -c $(BUILD_REQUIRES))
	$(BIN)/python -c $(LOCK_LINES) var/build-lock.json "# certreg's build backend with its hash (make lock): what the image builds the certreg wheel with." > requirements-build.lock
