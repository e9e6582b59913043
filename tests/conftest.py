import os
from pathlib import Path

import optional
from hypothesis import HealthCheck, settings

# Property tests run numerical gradients; give them room on a busy 2-core machine.
settings.register_profile("project", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", deadline=None, max_examples=600, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "project"))

_optional_skips = []


def pytest_runtest_logreport(report):
    if optional.is_optional_skip(report):
        _optional_skips.append(report.nodeid)


def pytest_collectreport(report):
    if optional.is_optional_skip(report):  # a module that skipped as a whole at import
        _optional_skips.append(report.nodeid)


def pytest_sessionfinish(session):
    if os.environ.get("OPTIONAL_SKIPPED"):
        Path(os.environ["OPTIONAL_SKIPPED"]).write_text("".join(f"{nodeid}\n" for nodeid in dict.fromkeys(_optional_skips)))
