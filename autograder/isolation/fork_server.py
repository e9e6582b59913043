"""A fork server for sandboxed programs: their imports paid once per grading process, not once per student.

    python -E -s -B autograder/isolation/fork_server.py     (started by autograder.isolation.fork_client, with a socket as stdin)

Starting a kernel costs about half a second of CPU and starting the trusted checks'
probe a fifth of one, nearly all of it importing ipykernel, IPython and numpy. This
server imports them once; for each request it forks a child that enters
autograder.isolation.sandbox exactly as

    python -I autograder/isolation/sandbox.py ARGS -- PYTHON -m MODULE [ARGUMENTS...]

would (its namespaces and allow-list root, limits, its user, the sandbox's environment), and
runs MODULE there as `python -m` would. MODULE is one of PROGRAMS. The child never
returns to this program: it waits outside the sandbox for the sandbox's process 1
(sandbox.enter), which runs MODULE, and ends as that process ends.

Requests and replies are JSON messages on a SOCK_SEQPACKET socket (stdin):

    {"start": [ARGS..., "--", PYTHON, "-m", MODULE, ...], "cwd": DIR, "fds": ["stdin", "stdout", "stderr"]}
        with the file descriptors named in "fds" attached (SCM_RIGHTS)
        -> {"pid": N}, or {"error": "..."}
    {"release": N}   (N has ended)  ->  {"status": S}, its wait status

Without "stdin" the program reads /dev/null; without "stdout" or "stderr" they go to
this server's stderr. A program stays unreaped until it is released,
so its pid (and process group) cannot be reused while the grader may still signal
it. The end of the socket ends the server; the programs it started are the grader's
to stop.
"""
import atexit
import importlib
import json
import os
import runpy
import signal
import socket
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The modules a request may run. Each runs as `python -m` runs it: as __main__, with the
# working directory first on sys.path (ipykernel_launcher takes it off while it starts).
PROGRAMS = ("ipykernel_launcher", "cs231n_style.probe")
# What a kernel imports before it runs its first cell (ipykernel, IPython and the debugger ipykernel
# sets up), and numpy, which every notebook and the probe import first.
PRELOAD = ("numpy", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
           "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect", "IPython.core.logger",
           "IPython.extensions.storemagic", "IPython.extensions.autoreload", "psutil", "sqlite3",
           "tornado.platform.asyncio")
MAX_MESSAGE = 1 << 16

# Python put this file's folder first on sys.path (the server runs in "/", never in a student's folder):
# it is there to import the sandbox, and the programs must not see it. Not -I, which is -E -s and -P:
# IPython reads -P as "do not add the working directory to sys.path", and a student's kernel needs it.
if not sys.path or Path(sys.path[0]).resolve() != HERE:
    raise SystemExit("usage: python -E -s -B autograder/isolation/fork_server.py")
import sandbox  # noqa: E402 -- autograder/isolation/sandbox.py, from sys.path[0]

del sys.path[0]


def program(argv):
    """The command of a start request's sandbox arguments; raises ValueError unless it runs one of PROGRAMS."""
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    if len(command) < 3 or command[1] != "-m" or command[2] not in PROGRAMS:
        raise ValueError(f"start: expected sandbox options, then -- PYTHON -m MODULE with MODULE one of "
                         f"{', '.join(PROGRAMS)}; got {argv!r}")
    return command


def _run(argv, cwd, fds, base_path, set_by_imports, server):
    """In the forked child: enter the sandbox and run the program as `python -m` would; never returns."""
    code = 1
    try:
        # Killed with the server, which ends with the grading process that owns it (its socket closes):
        # a grading run that is killed leaves no program behind (the sandbox's process 1 dies with this one).
        sandbox._Libc().prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != server:
            os._exit(1)  # the server ended before the parent-death signal was set
        os.setsid()  # a process group of its own: the grader signals the program and whatever it starts
        for signum in (signal.SIGTERM, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.dup2(fds.get("stdin", os.open(os.devnull, os.O_RDONLY)), 0)
        os.dup2(fds.get("stdout", 2), 1)
        os.dup2(fds.get("stderr", 2), 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the server's socket, the descriptors received
        os.chdir(cwd)
        command, environment = sandbox.enter(argv)
        os.environ.clear()
        os.environ.update({**environment, **set_by_imports})
        sys.path[:] = [os.getcwd(), *base_path]
        sys.argv = [str(Path(command[0]).parent / command[2]), *command[3:]]
        runpy.run_module(command[2], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _reply(request, fds, children, base_path, set_by_imports):
    if "release" in request:
        pid = int(request["release"])
        if pid not in children:
            raise ValueError(f"release: {pid} is not a program of this server")
        _, status = os.waitpid(pid, 0)
        children.discard(pid)
        return {"status": status}
    program(request["start"])
    cwd = str(request["cwd"])
    if not os.path.isdir(cwd):
        raise ValueError(f"cwd: {cwd} is not a folder")
    names = list(request.get("fds", []))
    if len(names) != len(fds) or not set(names) <= {"stdin", "stdout", "stderr"}:
        raise ValueError(f"fds: expected the names of the descriptors sent (stdin, stdout, stderr), got {names!r}")
    server = os.getpid()
    pid = os.fork()
    if pid == 0:
        _run(request["start"], cwd, dict(zip(names, fds)), base_path, set_by_imports, server)
    children.add(pid)
    return {"pid": pid}


def serve(channel, set_by_imports):
    base_path = list(sys.path)
    children = set()
    while True:
        message, fds, _, _ = socket.recv_fds(channel, MAX_MESSAGE, 3)
        if not message:
            return
        try:
            reply = _reply(json.loads(message), fds, children, base_path, set_by_imports)
        except Exception as exc:  # a bad request: say why, keep serving
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            for fd in fds:
                os.close(fd)
        channel.send(json.dumps(reply).encode())


def main():
    # The programs' environment from the start: numpy reads its thread count when it is imported.
    environment = sandbox.environment()
    os.environ.clear()
    os.environ.update(environment)
    channel = socket.socket(fileno=os.dup(0))
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    for name in PRELOAD:
        importlib.import_module(name)
    # What the preloaded modules put in the environment (ipykernel sets PYDEVD_USE_FRAME_EVAL) is
    # what a kernel started from nothing would have too.
    set_by_imports = {k: v for k, v in os.environ.items() if environment.get(k) != v}
    channel.send(json.dumps({"ready": True}).encode())
    serve(channel, set_by_imports)


if __name__ == "__main__":
    main()
