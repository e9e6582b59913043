"""Without its optional parts the suite still collects and runs: what needs them skips, saying what to install.

Each run here is a pytest of this suite in a fresh Python in which torch, numba and
playwright cannot be imported, as on a new user's machine before `make bench-deps`.
"""
import os
import subprocess
import sys
from pathlib import Path

import optional

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE = ("torch", "numba", "playwright")
# A None in sys.modules makes `import NAME` raise ImportError, as if the package were not installed.
RUN_WITHOUT = ("import sys; sys.modules.update({name: None for name in %r}); import pytest; "
               "raise SystemExit(pytest.main(sys.argv[1:]))" % (UNAVAILABLE,))
NEEDS_TORCH = "tests/test_bench_torch.py"
NEEDS_PLAYWRIGHT = "tests/test_explorer_browser.py"


def _pytest_without_optional(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("REQUIRE_OPTIONAL", "OPTIONAL_SKIPPED")}
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT, "-p", "no:cacheprovider", *args], cwd=ROOT,
                          env={**environment, **env}, capture_output=True, text=True, timeout=300)


def test_the_whole_suite_collects_without_the_optional_packages():
    run = _pytest_without_optional("--collect-only", "-q")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "error" not in run.stdout.lower().split("\n")[-2], run.stdout[-3000:]
    assert f"{NEEDS_TORCH}: 0" not in run.stdout  # collected as a skipped module, not left out silently


def test_tests_that_need_them_skip_saying_what_to_install(tmp_path):
    skipped = tmp_path / "skipped.txt"
    run = _pytest_without_optional(NEEDS_TORCH, NEEDS_PLAYWRIGHT, "-rs", OPTIONAL_SKIPPED=str(skipped))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "passed" not in run.stdout.splitlines()[-1] and "skipped" in run.stdout.splitlines()[-1]
    assert f"{optional.SKIP_PREFIX}torch is not installed (make bench-deps" in run.stdout
    assert "the playwright Python package (pip install playwright" in run.stdout
    assert skipped.read_text().splitlines() == [
        NEEDS_TORCH, f"{NEEDS_PLAYWRIGHT}::test_a_slider_move_redraws_the_figure_in_jupyterlab"]


def test_require_optional_turns_the_skips_into_failures():
    run = _pytest_without_optional(NEEDS_TORCH, NEEDS_PLAYWRIGHT, "--continue-on-collection-errors",
                                   REQUIRE_OPTIONAL="1")
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    last = run.stdout.splitlines()[-1]
    assert "2 errors" in last and "passed" not in last and "skipped" not in last, last
    assert run.stdout.count("REQUIRE_OPTIONAL=1 is set, so this is a failure, not a skip") >= 2
