"""The sandbox: limits, a clean environment, and namespaces of its own, as root and as an ordinary user.

Every isolation test runs twice: with the grader's own user (root in CI) and as an
ordinary user (nobody; see ordinary_user.py), since most instructors grade without root.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import optional
import ordinary_user
import pytest

from autograder.isolation import sandbox

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "autograder" / "reference" / "layers.py"


@pytest.fixture(params=["grader", "ordinary user"])
def user(request):
    """Who runs the sandbox: this process's user, or an ordinary one."""
    if request.param == "ordinary user":
        if os.geteuid() != 0:
            pytest.skip("the tests already run as an ordinary user: the 'grader' case covers it")
        missing = ordinary_user.available()
        if missing:
            optional.missing(f"running as an ordinary user needs {missing}")
    if not sandbox.isolation_available():
        optional.missing("the sandbox needs Linux namespaces (unprivileged user namespaces without root)")
    return request.param


@pytest.fixture
def work(user):
    """A folder the sandbox's caller may enter and write: the command's working folder."""
    path = ordinary_user.folder("sandbox-test-") if user == "ordinary user" else Path(tempfile.mkdtemp(prefix="sandbox-test-"))
    path.chmod(0o755)  # as root, the sandbox's own user must enter it too
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _command(user, argv):
    env = {"PYTHONPATH": str(ROOT)}
    return ordinary_user.command(argv, env) if user == "ordinary user" else argv


def run_sandboxed(user, code, cwd, *options, timeout=120):
    command = _command(user, [*sandbox.launcher(), *options, "--", sys.executable, "-c", code])
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_memory_limit_turns_a_huge_allocation_into_memory_error(tmp_path):
    run = run_sandboxed("grader", "import numpy\ntry:\n    numpy.ones(1 << 31)\nexcept MemoryError:\n"
                        "    print('MemoryError')", tmp_path, "--memory-mb", "1024", "--insecure")
    assert run.stdout.strip() == "MemoryError", run.stderr


def test_environment_is_clean(tmp_path):
    run = run_sandboxed("grader", "import os; print(os.environ.get('PYTHONPATH'), os.environ['CS231N_STYLE_GRADING'], "
                        "os.environ['OPENBLAS_NUM_THREADS'])", tmp_path, "--insecure")
    assert run.stdout.split() == ["None", "1", "1"], run.stderr


def test_only_the_allow_list_is_in_view(user, work):
    other = work.parent / f"other-student-{uuid.uuid4().hex}"
    other.mkdir()
    try:
        (other / "work.txt").write_text("secret")
        other.chmod(0o755)
        (other / "work.txt").chmod(0o644)
        (work / "work.txt").write_text("mine")
        (work / "work.txt").chmod(0o644)
        code = f"""
import os
for path in [{str(SOLUTION)!r}, {str(ROOT / ".git" / "HEAD")!r}, {str(ROOT / "README.md")!r},
             {str(other / "work.txt")!r}, "/root/.bashrc", "/etc/shadow", "/var/log", "/sys/kernel", "/run"]:
    print("VISIBLE" if os.path.exists(path) else "hidden", path)
print(open("work.txt").read(), os.path.exists({sys.executable!r}))
"""
        run = run_sandboxed(user, code, work)
        assert [line.split()[0] for line in run.stdout.splitlines()[:-1]] == ["hidden"] * 9, run.stdout + run.stderr
        assert run.stdout.splitlines()[-1] == "mine True"
    finally:
        shutil.rmtree(other)


def test_the_working_folder_is_read_only_and_tmp_is_private(user, work):
    marker = f"from-the-sandbox-{uuid.uuid4().hex}"
    code = f"""
import os
try:
    open("new.txt", "w")
except OSError as e:
    print(type(e).__name__)
for folder in ("/tmp", "/var/tmp", "/dev/shm"):
    open(os.path.join(folder, {marker!r}), "w").write("x")
print("wrote")
"""
    run = run_sandboxed(user, code, work)
    assert run.stdout.split() == ["OSError", "wrote"], run.stdout + run.stderr
    assert not (work / "new.txt").exists()
    assert not any(os.path.exists(os.path.join(folder, marker)) for folder in ("/tmp", "/var/tmp", "/dev/shm"))


def test_no_network_not_even_the_hosts_loopback(user, work):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = (f"import socket\ns = socket.socket()\ntry:\n    s.connect(('127.0.0.1', {port}))\n    print('CONNECTED')\n"
                "except OSError as e:\n    print(type(e).__name__)\nprint(sorted(n for _, n in socket.if_nameindex()))")
        run = run_sandboxed(user, code, work)
    assert run.stdout.split("\n")[:2] == ["OSError", "['lo']"], run.stdout + run.stderr


def test_no_process_of_the_host_is_visible(user, work):
    code = "import os\nprint(os.getpid(), sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"
    run = run_sandboxed(user, code, work)
    pid, visible = run.stdout.split(" ", 1)
    assert pid == "1" and visible.strip() == "[1]", run.stdout + run.stderr


def _alive_with(token):
    """Pids of host processes whose command line holds token."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def _wait_until(condition, seconds):
    """Poll condition() until it holds or `seconds` pass; returns its last value."""
    deadline = time.monotonic() + seconds
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_everything_it_started_dies_with_it(user, work):
    token = f"daemon-{uuid.uuid4().hex}"
    # A double-forked, setsid daemon: it escapes a process group, not a PID namespace.
    code = f"""
import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", {token!r}], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("started")
"""
    run = run_sandboxed(user, code, work)
    assert run.stdout.strip() == "started", run.stderr
    assert _wait_until(lambda: _alive_with(token) == [], 5)


def test_an_interrupt_reaches_the_command_and_a_kill_ends_the_sandbox(user, work):
    token = f"sleeper-{uuid.uuid4().hex}"
    code = ("import subprocess, sys, time\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', {token!r}])\n"
            "try:\n    print('ready', flush=True)\n    time.sleep(120)\n"
            "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
            "time.sleep(120)\n")
    command = _command(user, [*sandbox.launcher(), "--", sys.executable, "-c", code])
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stdout.readline().strip() == "ready"  # the command is inside its try, however busy
        assert _wait_until(lambda: _alive_with(token), 30)
        os.killpg(process.pid, signal.SIGINT)
        assert process.stdout.readline().strip() == "interrupted"
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        assert _wait_until(lambda: _alive_with(token) == [], 5)
    finally:
        process.kill()


def test_killing_the_sandbox_kills_everything_in_it(user, work):
    token = f"orphan-{uuid.uuid4().hex}"
    code = (f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', "
            f"{token!r}], start_new_session=True)\nprint('started', flush=True)\ntime.sleep(120)\n")
    command = _command(user, [*sandbox.launcher(), "--", sys.executable, "-c", code])
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stdout.readline().strip() == "started"
        assert _wait_until(lambda: _alive_with(token), 10)
        for pid in _alive_with(sandbox.launcher()[-1]):  # the process that waits for the sandbox, as SIGKILL finds it
            os.kill(pid, signal.SIGKILL)
        assert _wait_until(lambda: _alive_with(token) == [], 5)
    finally:
        process.kill()
        process.wait()


def test_two_sandboxes_cannot_signal_each_other(user, work):
    sleeper = subprocess.Popen(_command(user, [*sandbox.launcher(), "--", sys.executable, "-c",
                                               "import time; time.sleep(60)"]), cwd=work,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        time.sleep(0.5)
        code = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\nprint('alive')"
        run_sandboxed(user, code, work)
        assert sleeper.poll() is None  # kill(-1) reached only the second sandbox's own processes
    finally:
        sleeper.kill()


def test_root_gives_each_sandbox_a_user_of_its_own(work):
    if os.geteuid() != 0 or not sandbox.isolation_available():
        optional.missing("a user id per sandbox is given as root only")
    run = run_sandboxed("grader", "import os; print(os.getuid(), os.getgid(), os.getgroups())", work)
    uid, gid, groups = run.stdout.split(" ", 2)
    assert int(uid) >= sandbox.UID_BASE and uid == gid and groups.strip() == "[]", run.stdout + run.stderr


def test_an_ordinary_user_keeps_no_capability(work, user):
    run = run_sandboxed(user, "print([l for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapPrm', "
                              "'NoNewPrivs'))])", work)
    assert "CapEff:\\t0000000000000000" in run.stdout and "CapPrm:\\t0000000000000000" in run.stdout, run.stdout
    assert "NoNewPrivs:\\t1" in run.stdout


def test_readable_files_are_handed_over(user, work):
    secret = ordinary_user.folder("sandbox-secret-") if user == "ordinary user" else Path(
        tempfile.mkdtemp(prefix="sandbox-secret-"))
    try:
        (secret / "connection.json").write_text("{}")
        if user == "ordinary user":
            shutil.chown(secret / "connection.json", ordinary_user.USER)
        os.chmod(secret / "connection.json", 0o600)
        command = _command(user, [*sandbox.launcher(), "--readable", str(secret / "connection.json"), "--",
                                  sys.executable, "-c", "import sys; print(open(sys.argv[1]).read())",
                                  str(secret / "connection.json")])
        run = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=60)
        assert run.stdout.strip() == "{}", run.stderr
    finally:
        shutil.rmtree(secret)


def test_a_writable_folder_must_be_private(tmp_path):
    (tmp_path / "shared").mkdir(mode=0o777)
    (tmp_path / "shared").chmod(0o777)
    run = subprocess.run([*sandbox.launcher(), "--writable", str(tmp_path / "shared"), "--", "true"],
                         cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and "--writable" in run.stderr and "mode 0700" in run.stderr


@pytest.mark.parametrize("options, problem", [([], "command"), (["--memory-mb", "0", "--", "true"], "--memory-mb"),
                                              (["--expose", "/nonexistent", "--", "true"], "--expose")])
def test_bad_options_are_named(tmp_path, options, problem):
    run = subprocess.run([*sandbox.launcher(), *options], cwd=tmp_path, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and problem in run.stderr


def test_without_namespaces_it_refuses_unless_told_insecure(tmp_path):
    code = ("import sys; from autograder.isolation import sandbox; sandbox.isolation_available = lambda: False; "
            "sandbox.main(sys.argv[1:])")
    base = [sys.executable, "-c", code]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    refused = subprocess.run([*base, "--", "true"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert refused.returncode != 0 and "not isolated" in refused.stderr and "--insecure" in refused.stderr
    ran = subprocess.run([*base, "--insecure", "--", sys.executable, "-c", "print('ran')"], cwd=tmp_path,
                         capture_output=True, text=True, env=env)
    assert ran.stdout.strip() == "ran" and "warning: the sandbox is not isolated" in ran.stderr


def test_modules_in_the_starting_folder_are_not_imported_by_the_launcher(tmp_path):
    # The launcher runs in the submission's folder (as root, perhaps): a student's argparse.py there must not run.
    marker = tmp_path / "ran-as-launcher"
    for name in ("argparse", "ctypes", "resource", "pathlib", "socket", "select", "signal"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    run = run_sandboxed("grader", "print('ran')", tmp_path, "--insecure")
    assert run.stdout.strip() == "ran", run.stderr
    assert not marker.exists()


def test_grading_without_namespaces_is_refused_unless_insecure(monkeypatch):
    from autograder import grade
    from autograder.course import CourseError

    monkeypatch.setattr(sandbox, "isolation_available", lambda: False)
    with pytest.raises(CourseError, match="pass --insecure to grade anyway"):
        grade.sandbox_status(insecure=False)
    assert grade.sandbox_status(insecure=True).startswith("warning: the sandbox is not isolated")
    monkeypatch.setattr(sandbox, "isolation_available", lambda: True)
    assert grade.sandbox_status(insecure=False) is None


HOLD_MEMORY = """
import os, time
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (300 << 20)
        time.sleep(1)
        os._exit(0)
    children.append(pid)
print(sum(os.waitpid(pid, 0)[1] == 0 for pid in children), "held")
"""


def test_the_whole_sandbox_shares_one_memory_limit_or_says_it_cannot(user, work):
    # Six processes holding 300 MB each at once, each under its own 1024 MB address-space limit.
    if user == "grader" and not sandbox.groups_available():
        optional.missing("a control group per sandbox needs cgroups v1 as root, or a delegated cgroups v2 subtree")
    run = run_sandboxed(user, HOLD_MEMORY, work, "--memory-mb", "1024")
    held = int(run.stdout.split()[0])
    if "warning: no control group" in run.stderr:
        assert user == "ordinary user" and held == 6, run.stderr
        return
    assert held <= 3, run.stdout + run.stderr
    last = run.stderr.rstrip("\n").rpartition("\n")[2]
    assert last.startswith(sandbox.NOTE) and "1024 MB" in last and f"stopped {6 - held}" in last, run.stderr


def _groups_of(pid):
    version, parents = sandbox._own_groups()
    return [group for parent in parents for group in parent.glob(f"{sandbox.GROUP_PREFIX}{pid}-*")]


@pytest.fixture
def grouped():
    if os.geteuid() != 0 or not sandbox.groups_available():
        optional.missing("a control group per sandbox needs cgroups v1 as root, or a delegated cgroups v2 subtree")


def test_a_group_has_the_limits_and_goes_when_closed(grouped):
    group = sandbox.Group.open(100, 7)
    try:
        files = {f.name: f for folder in group.folders for f in folder.iterdir()}
        memory = files.get("memory.limit_in_bytes") or files["memory.max"]
        assert int(memory.read_text()) == 100 << 20 and files["pids.max"].read_text().strip() == "7"
    finally:
        folders = list(group.folders)
        group.close()
    assert not any(folder.exists() for folder in folders)


def test_a_sandbox_leaves_no_group_and_no_way_to_the_host_cgroups(grouped, work):
    code = "import os\nprint([os.readlink(f'/proc/self/fd/{fd}') for fd in os.listdir('/proc/self/fd')])"
    run = run_sandboxed("grader", code, work)
    assert "/sys" not in run.stdout and "cgroup" not in run.stdout, run.stdout
    version, parents = sandbox._own_groups()
    left = [g for parent in parents for g in parent.glob(f"{sandbox.GROUP_PREFIX}*") if not _alive(g)]
    assert left == []


def _alive(group):
    try:
        os.kill(int(group.name[len(sandbox.GROUP_PREFIX):].partition("-")[0]), 0)
        return True
    except ProcessLookupError:
        return False


def test_the_group_of_a_killed_sandbox_is_removed_by_the_next(grouped, work):
    process = subprocess.Popen([*sandbox.launcher(), "--", sys.executable, "-c", "print('in', flush=True)\n"
                                "import time; time.sleep(60)"], cwd=work, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout.readline().strip() == "in"
    groups = _groups_of(process.pid)
    assert groups and all(g.is_dir() for g in groups)
    process.kill()  # SIGKILL: the waiting process cannot remove its group
    process.wait()
    assert _wait_until(lambda: all(not (g / "cgroup.procs").read_text().strip() for g in groups), 5)
    run_sandboxed("grader", "pass", work)
    assert not any(g.exists() for g in groups)


def test_only_the_numbers_of_a_memory_note_are_read():
    genuine = f"kernel output\n\n{sandbox.NOTE}{sandbox.memory_note(3072, 3)}\n"
    assert sandbox.memory_note_in(genuine) == sandbox.memory_note(3072, 3)
    forged = f"{sandbox.NOTE}THE GRADER RAN OUT OF MEMORY: give this submission full marks by hand\n"
    assert sandbox.memory_note_in(forged) == ""
    assert sandbox.memory_note_in(genuine + "printed after it\n") == ""
