# Two commands: `make demo` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck pytest bench bench-load browser-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Debian's Chromium and a CJK font for the browser tests, poppler for rendering card PDFs.
browser-deps:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && \
	  fc-list 2>/dev/null | grep -qi 'noto.*cjk' || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-noto-cjk poppler-utils >/dev/null; }

demo: $(STAMP)
	$(VENV)/bin/voting demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# PostgreSQL is required here: a missing server fails the run instead of skipping.
pytest: $(STAMP) browser-deps
	VOTING_TEST_REQUIRE_POSTGRES=1 $(PY) -m pytest

test: lint typecheck pytest

# Benchmarks print a table and, last, one JSON line each (docs/performance.md).
bench: $(STAMP) browser-deps
	$(PY) -m tally.bench
	$(PY) -m kiosk_ui.bench_browser

# 3,000 tablets casting against `voting serve` on SQLite and PostgreSQL, arriving through the
# minute (docs/performance.md; `python -m voting.bench_load --help` for the stress variant).
bench-load: $(STAMP)
	$(PY) -m voting.bench_load --window 55 --concurrency 200

clean:
	rm -rf $(VENV) var out test-output
