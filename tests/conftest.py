import os
import subprocess
import sys
from pathlib import Path

import optional
import pytest
from hypothesis import HealthCheck, settings

# Property tests run numerical gradients; give them room on a busy 2-core machine.
settings.register_profile("project", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", deadline=None, max_examples=600, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "project"))

_optional_skips = []
_clusters = []  # the dask_cluster fixture's cluster, while it runs
_last_cluster_test = []  # the node id of the last test of this run that uses it


def pytest_runtest_logreport(report):
    if optional.is_optional_skip(report):
        _optional_skips.append(report.nodeid)


def pytest_collectreport(report):
    if optional.is_optional_skip(report):  # a module that skipped as a whole at import
        _optional_skips.append(report.nodeid)


def pytest_sessionfinish(session):
    if os.environ.get("OPTIONAL_SKIPPED"):
        Path(os.environ["OPTIONAL_SKIPPED"]).write_text("".join(f"{nodeid}\n" for nodeid in dict.fromkeys(_optional_skips)))


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    """One loopback Dask cluster (a scheduler and two workers, autograder/bench/loopback_cluster.py) for every test
    that only sends it work: its workers set up once for the grading settings the tests share. Stopped after the
    last test of the run that uses it (pytest_runtest_teardown), not at the end of the whole run."""
    from autograder.bench.loopback_cluster import LoopbackCluster

    running = LoopbackCluster(tmp_path_factory.mktemp("cluster"), workers=2).__enter__()
    _clusters.append(running)
    try:
        yield running
    finally:
        _stop_clusters()


def _stop_clusters():
    while _clusters:
        _clusters.pop().__exit__(None, None, None)


def pytest_collection_finish(session):
    users = [item.nodeid for item in session.items if "dask_cluster" in getattr(item, "fixturenames", ())]
    _last_cluster_test[:] = users[-1:]


@pytest.hookimpl(trylast=True)  # after the test's own fixtures are torn down
def pytest_runtest_teardown(item, nextitem):
    if [item.nodeid] == _last_cluster_test:
        _stop_clusters()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`python -m autograder demo --jobs 2`, once for the run: (its folder, the finished process). tests/test_demo.py
    checks it; tests/test_cluster.py holds a cluster's grading of some of the same samples to its local grading."""
    out = tmp_path_factory.mktemp("demo")
    run = subprocess.run([sys.executable, "-m", "autograder", "demo", "--out", str(out), "--jobs", "2"],
                         cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=1800)
    return out, run
