"""Kernels and probes forked from the fork server behave as the ones the sandbox starts from nothing."""
import asyncio
import json
import os
import signal
import socket
import sys
import uuid
from pathlib import Path

import optional
import pytest

from autograder import course
from autograder.isolation import fork_client, kernels, sandbox
from autograder.samples import SAMPLES, write_submissions
from autograder.trusted import CHECKS
from autograder.trusted.probe_runner import run_trusted_checks

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "autograder" / "reference" / "layers.py"

# Everything a notebook could notice about where it runs, as one JSON line.
DESCRIBE = """
import json, os, socket, sys, threading
import helper_of_mine
cwd = os.getcwd()
def loopback(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return "connected"
    except OSError as e:
        return type(e).__name__
print(json.dumps({
    "cwd": cwd,
    "sys.path": [p.replace(cwd, "<cwd>") for p in sys.path],
    "environment": dict(os.environ),
    "root": os.getuid() == 0,
    "flags": [sys.flags.dont_write_bytecode, sys.flags.safe_path, sys.flags.optimize, sys.flags.no_site],
    "main": __name__,
    "helper": helper_of_mine.VALUE,
    "solution visible": os.path.exists(SOLUTION),
    "course visible": os.path.exists(os.path.join(os.path.dirname(cwd), "other", "secret.txt")),
    "imports numpy": bool(__import__("numpy").ones(3).sum() == 3),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "host's loopback": loopback(PORT),
}))
"""


@pytest.fixture
def forkable():
    if not fork_client.available():
        optional.missing("forking kernels needs Linux with pidfds")


@pytest.fixture
def course_folder(tmp_path, monkeypatch):
    """A course folder with the sandboxed kernelspec, a student folder, and another student's secret."""
    out = tmp_path / "course"
    mine, other = out / "mine", out / "other"
    mine.mkdir(parents=True)
    other.mkdir()
    (mine / "helper_of_mine.py").write_text("VALUE = 42\n")
    (other / "secret.txt").write_text("not yours")
    monkeypatch.setenv("JUPYTER_PATH", str(course.write_kernelspec(out)))
    return mine


@pytest.fixture
def listener():
    """A server on the host's loopback (as a PostgreSQL gradebook would be); yields its port."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


async def _describe(manager_class, cwd, port):
    km = manager_class(kernel_name="python3")
    await km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        lines = []
        code = DESCRIBE.replace("SOLUTION", repr(str(SOLUTION))).replace("PORT", str(port))
        reply = await kc.execute_interactive(code, timeout=60,
                                             output_hook=lambda m: lines.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok", reply["content"]
        return json.loads("".join(lines)), km.provisioner.process
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def test_a_forked_kernel_sees_what_a_started_kernel_sees(course_folder, forkable, monkeypatch, listener):
    with monkeypatch.context() as m:
        m.setattr(fork_client, "available", lambda: False)  # started from nothing, by jupyter_client's provisioner
        started, started_process = asyncio.run(_describe(kernels.ForkingKernelManager, course_folder, listener))
    forked, forked_process = asyncio.run(_describe(kernels.ForkingKernelManager, course_folder, listener))
    assert isinstance(forked_process, fork_client.ForkedProcess) and not isinstance(started_process, fork_client.ForkedProcess)
    assert forked == started
    assert forked["helper"] == 42 and forked["main"] == "__main__"
    if sandbox.isolation_available():
        assert not forked["root"] and not forked["solution visible"] and not forked["course visible"]
        # no process of the host, no network: not even the host's loopback, where a gradebook may listen
        assert forked["processes"] == [1] and forked["interfaces"] == ["lo"] and forked["host's loopback"] == "OSError"


def test_a_forked_kernel_is_interrupted_killed_and_reaped(course_folder, forkable):
    async def scenario():
        km = kernels.ForkingKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(course_folder))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            assert isinstance(kc, kernels.ReadyKernelClient)
            msg_id = kc.execute("import time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('interrupted')")
            await asyncio.sleep(1)
            await km.interrupt_kernel()
            reply = await kc._async_get_shell_msg(timeout=30)
            assert reply["parent_header"]["msg_id"] == msg_id
            process = km.provisioner.process
            assert await km.is_alive()
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return process

    process = asyncio.run(scenario())
    assert process.returncode == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)  # reaped by the server once released, not left a zombie


def test_the_server_runs_only_its_programs(tmp_path, forkable):
    for command in ([sys.executable, "-c", "print('anything')"], [sys.executable, "-m", "http.server"]):
        with pytest.raises(fork_client.ForkServerError, match="MODULE one of"):
            fork_client.SERVER.start(["--", *command], tmp_path)
    with pytest.raises(fork_client.ForkServerError, match="not a program of this server"):
        fork_client.SERVER.release(os.getpid())


def _outcome(verdicts):
    # The timing check's failures quote measured times, which differ from run to run.
    return {k: (v.fraction, [] if k == "hidden_alt_faster" else v.failures) for k, v in verdicts.items()}


def test_forked_probes_score_as_started_ones(tmp_path, monkeypatch, forkable):
    names = ("correct_reference", "sign_error", "exit_at_import", "os_exit_in_graph", "reads_solution")
    folders = write_submissions(tmp_path / "samples", [s for s in SAMPLES if s.name in names])
    for name in names:
        forked = run_trusted_checks(folders / name, list(CHECKS))
        with monkeypatch.context() as m:
            m.setattr(fork_client, "available", lambda: False)
            started = run_trusted_checks(folders / name, list(CHECKS))
        assert _outcome(forked) == _outcome(started), name
        assert (min(v.fraction for v in forked.values()) == 1) == (name == "correct_reference"), name


async def _run_in_forked_kernel(cwd, code):
    """Run code in a forked kernel started in cwd, then shut it down; returns what it printed."""
    km = kernels.ForkingKernelManager(kernel_name="python3")
    await km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    lines = []
    try:
        await kc.wait_for_ready(timeout=60)
        await kc.execute_interactive(code, timeout=120,
                                     output_hook=lambda m: lines.append(m["content"].get("text", "")))
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
    return "".join(lines).strip()


def test_a_kernels_own_output_stays_out_of_the_grading_log(course_folder, forkable, capfd):
    asyncio.run(_run_in_forked_kernel(course_folder, "import os\nos.write(1, b'x' * 1_000_000)"))
    err = capfd.readouterr().err
    header, _, tail = err.partition(" bytes, the end):\n")
    assert int(header.rsplit("(", 1)[1]) >= 1_000_000 and tail.strip(), err[:300]
    assert len(err) < 2 * kernels.OUTPUT_TAIL  # a megabyte written, a few kilobytes logged


# Reads every readable mapping of the kernel's own memory and says whether it holds a secret of the form
# gradebook-password-<32 hex digits>. The kernel is not told the secret (its code would then hold it), and
# the pattern, put together here, does not match itself.
SCAN_MEMORY = """
import ctypes, re
pattern = re.compile(b"gradebook-" + b"password-" + b"[0-9a-f]{32}")
found = False
for line in open("/proc/self/maps"):
    fields = line.split()
    if not fields[1].startswith("r") or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
        continue
    lo, hi = (int(x, 16) for x in fields[0].split("-"))
    try:
        found = found or pattern.search(ctypes.string_at(lo, hi - lo)) is not None
    except Exception:
        pass
print("FOUND" if found else "clean")
"""


def test_no_secret_of_the_graders_environment_reaches_a_kernels_memory(course_folder, forkable, monkeypatch):
    secret = f"gradebook-password-{uuid.uuid4().hex}"
    monkeypatch.setenv("PGPASSWORD", secret)
    fork_client.SERVER.stop()  # the next server starts with this environment

    try:
        assert asyncio.run(_run_in_forked_kernel(course_folder, SCAN_MEMORY)) == "clean"
    finally:
        fork_client.SERVER.stop()
