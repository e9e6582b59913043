"""Optional test dependencies: skip with what to install, or fail where CI requires them.

CI sets REQUIRE_OPTIONAL=1 (see .ci/run): there a missing browser or PyTorch is a
failure, so the tests that need them cannot silently stop running.
"""
import importlib
import os

import pytest


def missing(message):
    """Skip the calling test, saying what is missing, or fail it under REQUIRE_OPTIONAL=1."""
    if os.environ.get("REQUIRE_OPTIONAL") == "1":
        pytest.fail(f"{message} — REQUIRE_OPTIONAL=1 is set, so this is a failure, not a skip")
    pytest.skip(message)


def import_or_skip(name, install):
    """Import module `name`, or skip (fail under REQUIRE_OPTIONAL=1) saying how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{name} is not installed ({install})")
