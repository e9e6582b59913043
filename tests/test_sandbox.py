"""The sandbox: limits always; file isolation, no network and a user of its own as root on Linux."""
import os
import subprocess
import sys
from pathlib import Path

import optional
import pytest

from autograder import sandbox

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "autograder" / "reference" / "layers.py"


def run_sandboxed(code, cwd, *options):
    command = [*sandbox.launcher(), *options, "--", sys.executable, "-c", code]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def isolated():
    if not sandbox.isolation_available():
        optional.missing("file isolation needs root on Linux")


def test_memory_limit_turns_a_huge_allocation_into_memory_error(tmp_path):
    run = run_sandboxed("import numpy\ntry:\n    numpy.ones(1 << 31)\nexcept MemoryError:\n    print('MemoryError')",
                        tmp_path, "--memory-mb", "1024")
    assert run.stdout.strip() == "MemoryError", run.stderr


def test_environment_is_clean(tmp_path):
    run = run_sandboxed("import os; print(os.environ.get('PYTHONPATH'), os.environ['CS231N_STYLE_GRADING'], "
                        "os.environ['OPENBLAS_NUM_THREADS'])", tmp_path)
    assert run.stdout.split() == ["None", "1", "1"], run.stderr


def test_solution_and_other_folders_are_hidden(tmp_path, isolated):
    course = tmp_path / "course"
    mine, other = course / "alice", course / "bob"
    mine.mkdir(parents=True)
    other.mkdir()
    (mine / "work.txt").write_text("mine")
    (other / "work.txt").write_text("secret")
    code = f"""
import os
for path in [{str(SOLUTION)!r}, {str(ROOT / ".git" / "HEAD")!r}, {str(other / "work.txt")!r}, "/root/.bashrc"]:
    try:
        open(path).read()
        print("READ", path)
    except OSError:
        print("hidden")
print(open("work.txt").read(), os.getuid() != 0)
"""
    run = run_sandboxed(code, mine, "--hide", str(course))
    assert run.stdout.split() == ["hidden"] * 4 + ["mine", "True"], run.stdout + run.stderr


def test_no_network_without_the_network_option(tmp_path, isolated):
    code = "import socket\ns = socket.socket()\ntry:\n    s.connect(('127.0.0.1', 22))\nexcept OSError as e:\n" \
           "    print(type(e).__name__)\nprint(sorted(n for _, n in socket.if_nameindex()))"
    run = run_sandboxed(code, tmp_path)
    assert run.stdout.splitlines()[-1] == "['lo']", run.stdout + run.stderr


def test_two_sandboxes_cannot_signal_each_other(tmp_path, isolated):
    sleeper = subprocess.Popen([*sandbox.launcher(), "--", sys.executable, "-c",
                                "import time; time.sleep(60)"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        code = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\nprint('alive')"
        run_sandboxed(code, tmp_path)
        assert sleeper.poll() is None  # kill(-1) reached only the second sandbox's own user
    finally:
        sleeper.kill()


def test_readable_files_are_handed_over(tmp_path, isolated):
    secret = tmp_path / "hidden" / "connection.json"
    secret.parent.mkdir()
    secret.write_text("{}")
    os.chmod(secret, 0o600)
    work = tmp_path / "work"
    work.mkdir()
    run = subprocess.run([*sandbox.launcher(), "--hide", str(secret.parent), "--readable",
                          str(secret), "--", sys.executable, "-c", "import sys; print(open(sys.argv[1]).read())",
                          str(secret)], cwd=work, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.stdout.strip() == "{}", run.stderr


@pytest.mark.parametrize("options, problem", [([], "command"), (["--memory-mb", "0", "--", "true"], "--memory-mb"),
                                              (["--expose", "/nonexistent", "--", "true"], "--expose")])
def test_bad_options_are_named(tmp_path, options, problem):
    run = subprocess.run([*sandbox.launcher(), *options], cwd=tmp_path, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and problem in run.stderr


def test_modules_in_the_starting_folder_are_not_imported_by_the_launcher(tmp_path):
    # The launcher runs as root in the submission's folder: a student's argparse.py there must not run.
    marker = tmp_path / "ran-as-launcher"
    for name in ("argparse", "ctypes", "resource", "pathlib"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    run = run_sandboxed("print('ran')", tmp_path)
    assert run.stdout.strip() == "ran", run.stderr
    assert not marker.exists()
