# Two commands for a fresh machine: `make run` (the product with demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_WORKERS ?= 2
SQLITE_TEST_URL := sqlite:///$(CURDIR)/var/test.sqlite3

.PHONY: run test test-sqlite lint check-deploy verify-ledger install install-dev smoke clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: migrate, load demo data, print the operator and customer logins, start web + worker +
## beat on :8000 (the Procfile's "logins" prints both again after the worker's banner)
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	@echo "Control panel:   http://127.0.0.1:8000/panel/  user: alice  password: $${DEMO_PASSWORD:-lifecycle-demo}"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

## test: the whole suite on PostgreSQL + Redis (DATABASE_URL / CELERY_BROKER_URL override)
test: $(VENV)/.installed-dev
	$(PY) tests/preflight.py
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## test-sqlite: the suite on SQLite, PostgreSQL-only tests deselected
test-sqlite: $(VENV)/.installed-dev
	mkdir -p var
	DATABASE_URL=$(SQLITE_TEST_URL) $(PY) tests/preflight.py
	DATABASE_URL=$(SQLITE_TEST_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "not postgres" $(PYTEST_ARGS)

## lint: ruff, import-linter (layers accounts ← billing ← subscriptions, no cycles), module and
## function sizes, missing migrations
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) tests/architecture/code_shape.py
	$(PY) manage.py makemigrations --check --dry-run

## check-deploy: Django's deployment checks on the production settings; any warning fails
check-deploy: $(VENV)/.installed
	env -u DJANGO_ALLOW_ASYNC_UNSAFE DJANGO_SETTINGS_MODULE=config.settings.production \
		DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(60))')" \
		DJANGO_ALLOWED_HOSTS=example.com PAYMENT_GATEWAY=billing.gateway.TestGateway \
		$(PY) manage.py check --deploy --fail-level WARNING

## verify-ledger: balances, invoices, statuses and history of the database in DATABASE_URL
verify-ledger: $(VENV)/.installed
	$(PY) manage.py verify_ledger

clean:
	rm -rf var/ $(VENV)
