"""Optional test dependencies: skip with what to install, or fail where CI requires them.

A test that needs an optional part (PyTorch, a browser, PostgreSQL, root) calls
missing() or import_or_skip() when the part is absent. That skips it with a
message saying what to install, inside a test or at a module's top level alike.
With REQUIRE_OPTIONAL=1 it fails instead, so that a run meant to have every part
(CI's second run, see .ci/run) cannot quietly skip.

With OPTIONAL_SKIPPED=FILE, the run writes the node ids of the tests skipped this
way to FILE (tests/conftest.py), one a line: the tests to run again once the
optional parts are installed.
"""
import importlib
import os

import pytest

# Starts every skip message of missing(): how conftest.py tells these skips from others.
SKIP_PREFIX = "optional part missing: "


def missing(message):
    """Skip the calling test or module, saying what is missing, or fail it under REQUIRE_OPTIONAL=1."""
    if os.environ.get("REQUIRE_OPTIONAL") == "1":
        pytest.fail(f"{message} — REQUIRE_OPTIONAL=1 is set, so this is a failure, not a skip", pytrace=False)
    pytest.skip(SKIP_PREFIX + message, allow_module_level=True)


def import_or_skip(name, install):
    """Import module `name`, or skip (fail under REQUIRE_OPTIONAL=1) saying how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{name} is not installed ({install})")


def is_optional_skip(report):
    """True if a pytest report is a skip that missing() made."""
    return report.skipped and SKIP_PREFIX in str(report.longrepr)
