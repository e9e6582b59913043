# The two commands a new user needs, `make demo` and `make test`, set up
# .venv on first use: a virtual environment with the pinned dependencies.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
BENCH_READY := $(VENV)/.bench-ready

.PHONY: demo test release lab bench bench-deps chromium postgresql lock clean

demo: $(READY)
	$(BIN)/python -m autograder demo

test: $(READY) chromium postgresql
	$(BIN)/python -m pytest

release: $(READY)
	$(BIN)/python -m autograder.release

lab: $(READY)
	$(BIN)/jupyter lab assignment.ipynb

# The backward-pass benchmark; installs the optional `bench` extra (PyTorch, numba) first.
bench: $(BENCH_READY)
	$(BIN)/python -m autograder.bench

bench-deps: $(BENCH_READY)

$(READY): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.x")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt '.[test]'
	touch $@

$(BENCH_READY): $(READY)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt '.[test,bench]'
	touch $@

# The browser test drives Debian's chromium with Playwright (Playwright's own browser
# download is not reachable). Installed here when possible; otherwise the test says why it is skipped.
chromium:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: chromium is not installed, so tests/test_explorer_browser.py will be skipped (sudo apt-get install -y chromium)"; fi

# The PostgreSQL gradebook test starts its own server from Debian's postgresql package.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "note: PostgreSQL is not installed, so tests/test_gradebook_postgres.py will be skipped (sudo apt-get install -y postgresql)"; fi

# Re-pin every transitive dependency after changing a pin in pyproject.toml.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[test,bench]'
	.lock-venv/bin/python -m pip freeze --exclude batchnorm-backward-assignment | sed 's/+cpu$$//' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build *.egg-info
