"""Run a student's code where it cannot reach the solution, the gradebook or other students.

    python -I autograder/sandbox.py [--expose DIR] [--hide DIR] [--memory-mb N] [--cpu-seconds N] -- COMMAND...

runs COMMAND in the current directory with:
- resource limits: address space (memory), CPU time, file size, open files, processes;
- when started as root on Linux: a private mount namespace in which the repository's
  solution and tests, the course folder (all but the exposed directories) and /tmp are
  hidden behind empty in-memory file systems, no network, and a user id of its own,
  different for every sandbox, so one student's code cannot signal another's;
- a clean environment (no PYTHONPATH, HOME in the private /tmp, one BLAS thread) with
  CS231N_STYLE_GRADING=1.

Start it with launcher() + [options, "--", command...]: as a script, with -I, so that
it imports nothing from the folder it starts in, where a submission may have put an
argparse.py of its own (it runs as root before it hides anything).

Without root (an instructor's laptop, say) only the limits apply, and the grader says
so once: the student's code can then read what the grader's user can.
"""
import argparse
import ctypes
import ctypes.util
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What students must never read: the reference, the source notebook, the tests, the history.
REPOSITORY_SECRETS = ("autograder", "source", "tests", ".git")

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
UID_BASE = 200_000  # sandbox user ids: UID_BASE + (launcher pid mod 100000)


def launcher():
    """The start of the command line that runs the sandbox (see the module's docstring)."""
    return [sys.executable, "-I", str(Path(__file__).resolve())]


def isolation_available():
    """True where the sandbox can hide files and switch user (root on Linux)."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


def _libc():
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
    return libc


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(libc, source, target, fstype, flags, data=None):
    _check(libc.mount(source and source.encode(), str(target).encode(), fstype and fstype.encode(), flags,
                      data and data.encode()), f"mount {target}")


def _isolate(expose, hide, network):
    """Enter a private mount (and network) namespace and hide `hide`, keeping `expose` visible."""
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | (0 if network else CLONE_NEWNET)), "unshare")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    # Keep the exposed directories reachable through a private mount before hiding their parents.
    keep = Path("/run") if Path("/run").is_dir() else Path("/mnt")
    _mount(libc, "tmpfs", keep, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    saved = []
    for i, path in enumerate(expose):
        spot = keep / f"expose{i}"
        spot.mkdir()
        _mount(libc, str(path), spot, None, MS_BIND | MS_REC)
        saved.append((spot, path))
    for path in sorted(hide, key=lambda p: len(p.parts)):
        if path.is_dir():
            _mount(libc, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    _mount(libc, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
    for spot, path in saved:
        path.mkdir(parents=True, exist_ok=True)  # inside a hiding tmpfs, if it was hidden
        _mount(libc, str(spot), path, None, MS_BIND | MS_REC)


def _first_closed_ancestor(path):
    """The outermost ancestor of path that other users cannot traverse, or None."""
    for ancestor in reversed(path.parents):
        if not ancestor.stat().st_mode & 0o001:
            return ancestor
    return None


def _python_paths():
    """(hide, expose): the Python installation and the virtual environment must stay reachable.

    Either may live where the sandbox hides things (a clone under /tmp) or under a home
    directory other users cannot enter (pyenv in /root, say): such a home is hidden, and
    the installations alone are exposed again. The project installs no code of its own
    into the environment (pyproject.toml), so exposing it reveals no solution.
    """
    prefixes = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()})
    closed = {ancestor for ancestor in map(_first_closed_ancestor, prefixes) if ancestor}
    return sorted(closed), prefixes


def _limit(memory_mb, cpu_seconds, processes=None):
    limits = [(resource.RLIMIT_AS, memory_mb * 1024 * 1024), (resource.RLIMIT_CPU, cpu_seconds),
              (resource.RLIMIT_FSIZE, 64 * 1024 * 1024), (resource.RLIMIT_NOFILE, 256), (resource.RLIMIT_CORE, 0)]
    if processes:  # counts every process of the user: only meaningful for a user of its own
        limits.append((resource.RLIMIT_NPROC, processes))
    for limit, value in limits:
        resource.setrlimit(limit, (value, value))


def _hand_over(files, command, uid):
    """Write files (read before hiding) into the private /tmp for the sandbox user; returns the command using them."""
    for path, data in files.items():
        copy = Path("/tmp") / path.name
        copy.write_bytes(data)
        os.chown(copy, uid, uid)
        os.chmod(copy, 0o600)
        command = [str(copy) if arg == str(path) else arg for arg in command]
    return command


def _drop_privileges(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def environment():
    """The environment of the sandboxed command: a few of this one's variables and the sandbox's own."""
    # The variable's name is cs231n_style.autograding.GRADING_ENV, written out: the sandbox runs as
    # root in the submission's folder and must not import anything a student could have shadowed.
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM")}
    return {**keep, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "CS231N_STYLE_GRADING": "1",
            # ipykernel's debugger otherwise warns, in every grading log, that Python's frozen modules
            # may make it miss breakpoints; nobody sets breakpoints in a graded kernel.
            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def parser():
    p = argparse.ArgumentParser(prog="python -I autograder/sandbox.py", description=__doc__.splitlines()[0])
    p.add_argument("--expose", action="append", default=[], type=Path,
                   help="a directory that stays visible (default: the current directory)")
    p.add_argument("--hide", action="append", default=[], type=Path, help="a directory to hide")
    p.add_argument("--memory-mb", type=int, default=3072, help="address-space limit (default 3072)")
    p.add_argument("--cpu-seconds", type=int, default=600, help="CPU-time limit (default 600)")
    p.add_argument("--processes", type=int, default=256, help="processes and threads of the sandbox user")
    p.add_argument("--network", action="store_true", help="keep the network (kernels talk to the grader over it)")
    p.add_argument("--readable", action="append", default=[], type=Path,
                   help="a file the command needs (a kernel's connection file): copied into the sandbox's "
                        "/tmp for the sandbox user, and its path in the command replaced by the copy's")
    p.add_argument("command", nargs=argparse.REMAINDER)
    return p


def enter(argv):
    """Put this process in the sandbox that `argv` (the options, "--", the command) describes.

    Returns (command, environment) to run there: the command with the readable files'
    paths replaced by their private copies. Raises SystemExit on bad options.
    """
    p = parser()
    args = p.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        p.error("command: expected a command after --")
    for name in ("memory_mb", "cpu_seconds", "processes"):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')}: expected a positive number, got {getattr(args, name)}")
    cwd = Path.cwd()
    expose = [path.resolve() for path in (args.expose or [cwd])]
    for path in expose:
        if not path.is_dir():
            p.error(f"--expose: {path} is not a directory")
    hide = [ROOT / name for name in REPOSITORY_SECRETS] + [path.resolve() for path in args.hide]
    python_hide, python_expose = _python_paths()
    hide += python_hide
    expose += python_expose
    uid = UID_BASE + os.getpid() % 100_000
    readable = {path: path.read_bytes() for path in args.readable}  # read now: they may be hidden next
    isolated = isolation_available()
    if isolated:  # before the limits: mounting needs root
        _isolate(expose, hide, args.network)
        os.chdir(cwd)
    _limit(args.memory_mb, args.cpu_seconds, args.processes if isolated else None)
    if isolated:
        command = _hand_over(readable, command, uid)
        _drop_privileges(uid)
    os.makedirs("/tmp/matplotlib", exist_ok=True)
    return command, environment()


def main(argv=None):
    command, environment = enter(sys.argv[1:] if argv is None else argv)
    os.execvpe(command[0], command, environment)


if __name__ == "__main__":
    main()
