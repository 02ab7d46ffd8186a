# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.db

.PHONY: demo test lint typecheck pytest system-deps lock clean

$(BIN)/paperboy: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

demo: $(BIN)/paperboy
	$(BIN)/paperboy --db $(DEMO_DB) import paperboy/samples/demo.jsonl
	$(BIN)/paperboy --db $(DEMO_DB) index
	$(BIN)/paperboy --db $(DEMO_DB) serve --host 127.0.0.1 --port 8000

# Debian packages the suite needs: chromium for the browser tests (driven by Playwright),
# nginx-light for `nginx -t` on the config in docs/deploy.md.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
	  chromium fonts-dejavu-core; }
	@command -v nginx >/dev/null || PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null || \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
	  nginx-light

test: system-deps $(BIN)/paperboy lint typecheck pytest

lint: $(BIN)/paperboy
	$(BIN)/ruff check paperboy tests bench tools

typecheck: $(BIN)/paperboy
	$(BIN)/mypy paperboy tests bench tools

# pytest exits 5 when it collects no test (e.g. a -k that matches nothing): say so, not fail.
pytest: $(BIN)/paperboy
	$(BIN)/pytest -n 2 -q $(PYTEST_ARGS) || { status=$$?; [ $$status -eq 5 ] && echo "pytest: no tests collected"; [ $$status -eq 5 ]; }

# Re-pin every dependency after changing pyproject.toml.
lock: $(BIN)/paperboy
	$(BIN)/pip freeze --exclude-editable | grep -v '^paperboy' > constraints.txt

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
