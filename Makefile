# Chamber — `make run` serves the app with the demo chamber; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app chamber
HOST ?= 127.0.0.1
PORT ?= 5000
MAIL_CATCHER_PORT ?= 8025
PYTEST_ARGS ?=

.PHONY: run test check bench mutation sysdeps rundeps install install-test translations messages clean

# the app (make run) and, for make test, the test tools too
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian packages the browser tests and the PDFs need. Installed when we can (root with
# apt-get); otherwise the tests that need them skip and say what to install — or, in CI
# (CI=1 or CI=true), fail (tests/needs.py).
sysdeps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=""; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	  ldconfig -p | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	  ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpangoft2-1.0-0"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "could not install$$missing; the tests that need them will skip (fail under CI=1)"; \
	  fi; \
	else echo "not root: install chromium fonts-noto-cjk libharfbuzz-subset0 yourself for browser and PDF tests"; fi

# WeasyPrint (PDFs) needs Pango; Debian images usually have it, a minimal one may not
rundeps:
	@if ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpangoft2-1.0-0 fonts-noto-cjk >/dev/null; \
	  else echo "install Pango (Debian: libpangoft2-1.0-0) and fonts-noto-cjk for the PDFs"; fi; \
	fi

run: install rundeps
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	@echo ""
	@echo "  Chamber is running at http://$(HOST):$(PORT)/"
	@echo "  demo logins: organizer@xihu.example / member@xihu.example, password chamber-demo-2026"
	@echo ""
	@echo "  mail sent by the app is caught on 127.0.0.1:$(MAIL_CATCHER_PORT) and kept in instance/mail/"
	@echo ""
	@export MAIL_SERVER=$${MAIL_SERVER:-127.0.0.1} MAIL_PORT=$${MAIL_PORT:-$(MAIL_CATCHER_PORT)}; \
	  $(FLASK) mail-catcher --port $(MAIL_CATCHER_PORT) & catcher=$$!; \
	  $(FLASK) run-scheduler & sched=$$!; \
	  trap 'kill $$sched $$catcher 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - chamber.wsgi:app

# static checks (settings in pyproject.toml): lint, types (strict on rules and operations),
# import contracts (rules use the standard library only; pricing_alliance → campaigns → chamber)
check: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: install-test sysdeps check
	$(PY) -m pytest -q $(PYTEST_ARGS)

# wrk loads the public page from another process (bench_public_page.py); installed when root
bench: install-test
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null); } || \
	  echo "wrk is missing (Debian: apt-get install wrk); bench_public_page will fail"
	$(PY) bench/run.py

# One catalog per package (chamber/catalogs.py): the core's chamber/translations/ and each feature's
# <package>/translations/, each extracted from its own files. `python -m chamber.catalogs` prints a line per
# catalog: its folder, then its sources. The .pot is only rewritten when a string changed (not for its date),
# and a package's first strings start its catalog (--init-missing), so a package's new page touches only it.
messages: install-test
	@set -eo pipefail; locale=$$($(PY) -c "from chamber.catalogs import LOCALE; print(LOCALE)"); \
	$(PY) -m chamber.catalogs | while read -r dir sources; do \
	  mkdir -p $$dir; \
	  $(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k N_ --add-location=file --sort-output \
	    -o $$dir/messages.pot.new $$sources; \
	  if [ -f $$dir/messages.pot ] && cmp -s <(grep -v '^"POT-Creation-Date' $$dir/messages.pot.new) \
	                                        <(grep -v '^"POT-Creation-Date' $$dir/messages.pot); then \
	    rm $$dir/messages.pot.new; \
	  else mv $$dir/messages.pot.new $$dir/messages.pot; echo "$$dir/messages.pot: strings changed"; fi; \
	  $(VENV)/bin/pybabel -q update -i $$dir/messages.pot -d $$dir -l $$locale --init-missing \
	    --ignore-pot-creation-date --no-fuzzy-matching; \
	done

translations: install
	@set -eo pipefail; $(PY) -m chamber.catalogs --dirs | while read -r dir; do \
	  $(VENV)/bin/pybabel compile -d $$dir --use-fuzzy; \
	done

clean:
	rm -rf $(VENV) build dist *.egg-info

# Mutation testing of the money rules (campaigns/rules.py, see [tool.mutmut] in pyproject.toml and
# TESTING.md). Not part of CI: CPU-heavy, so run at the lowest priority; results stay in mutants/.
mutation: install-test
	$(VENV)/bin/pip install --quiet -e '.[mutation]'
	HYPOTHESIS_PROFILE=mutation nice -n 19 $(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results
