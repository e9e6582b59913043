# The two commands a new user needs, `make demo` and `make test`, set up
# .venv on first use: a virtual environment with the pinned dependencies.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: demo test release lab lock clean

demo: $(READY)
	$(BIN)/python -m autograder demo

test: $(READY)
	$(BIN)/python -m pytest

release: $(READY)
	$(BIN)/python -m autograder.release

lab: $(READY)
	$(BIN)/jupyter lab assignment.ipynb

$(READY): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; set PYTHON=/path/to/python3.x")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt '.[test]'
	touch $@

# Re-pin every transitive dependency after changing a pin in pyproject.toml.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[test]'
	.lock-venv/bin/python -m pip freeze --exclude batchnorm-backward-assignment > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build *.egg-info
