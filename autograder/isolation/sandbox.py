"""Run a student's code where it sees nothing of the host but what it needs, and dies whole.

    python -I autograder/isolation/sandbox.py [--expose DIR] [--writable DIR] [--readable FILE]
                                    [--memory-mb N] [--cpu-seconds N] [--processes N] [--insecure] -- COMMAND...

runs COMMAND in the current directory, in Linux namespaces of its own (with or without
root: an ordinary user gets them through an unprivileged user namespace):

- a PID namespace: COMMAND is process 1 there; everything it starts dies with it, and
  no process of the host or of another student is visible or can be signalled;
- a network namespace with only an unconfigured loopback: no connection to anything,
  the host's loopback (the gradebook's database) included;
- a mount namespace whose root holds only an allow-list: the system's programs and
  libraries, the Python installation and virtual environment (read-only), the exposed
  folders (read-only: by default the current one), the writable ones, a private /tmp,
  /var/tmp and /dev/shm, a few devices and its own /proc. Nothing else of the host:
  no repository, no course folder, no other student, no home folder;
- IPC and host-name namespaces of its own;
- as root, a user id of its own (UID_BASE + the pid of the process that waits for the
  sandbox, which stays alive until every process of the sandbox has ended, so no two
  live sandboxes share one); as an ordinary user, the grader's own user id, with every
  capability dropped;
- resource limits per process (address space, CPU time, file size, open files; processes,
  as root) and a clean environment (environment());
- as root, a control group of its own (cgroups v1, or v2 where the grader's group
  delegates them) that bounds the memory and the number of processes of the whole
  sandbox together, so that a student's code that forks cannot multiply its limits
  (Group). Where no group can be made (an ordinary user: the sandbox runs as that user,
  who could rewrite a group it owns), the sandbox runs with the per-process limits
  alone, and GROUP_WARNING says so.

Where namespaces cannot be had (a kernel without unprivileged user namespaces, a
container that forbids them), the sandbox refuses to run, unless told --insecure: then
only the limits apply and it says so on stderr.

Start it with launcher() + [options, "--", command...]: as a script, with -I, so that
it imports nothing from the folder it starts in, where a submission may have put an
argparse.py of its own. autograder/isolation/fork_server.py calls enter() in a forked child instead.
"""
import argparse
import ctypes
import os
import re
import resource
import select
import signal
import socket
import sys
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
UID_BASE = 200_000  # as root: sandbox user ids are UID_BASE + a live pid, so never shared by two live sandboxes

# What every sandbox sees of the host, read-only, where it exists.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache", "/etc/ld.so.conf",
          "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
PRIVATE = {"/tmp": "size=256m,mode=1777", "/var/tmp": "size=64m,mode=1777", "/dev/shm": "size=64m,mode=1777"}
GROUP_PREFIX = "cs231n-sandbox-"  # a sandbox's control group: GROUP_PREFIX + the pid of the process that waits for it
GROUP_WARNING = ("no control group can be made here for the sandbox (it needs root, and cgroups v1 or a cgroups v2 "
                 "group that delegates the memory and pids controllers), so its memory and process limits hold "
                 "per process only: a student's code that forks can use the memory limit once per process it "
                 "starts")
NOTE = "sandbox: note: "  # starts what the sandbox says of its end on stderr (kernels.ForkedProvisioner reads it)
MEMORY_NOTE = re.compile(re.escape(NOTE) + r"its sandbox used all of its (\d+) MB of memory, and the system stopped "
                         r"(\d+) of its processes")


def memory_note(memory_mb, stopped):
    """What MEMORY_NOTE says, without the NOTE prefix."""
    return (f"its sandbox used all of its {memory_mb} MB of memory, and the system stopped {stopped} of its "
            "processes")


def memory_note_in(output):
    """The memory note that ends a sandbox's output (text), or "". The student's code can write a line like it,
    so only its two numbers are read: it can claim no more than that its own sandbox ran out of memory."""
    found = MEMORY_NOTE.fullmatch(output.rstrip("\n").rpartition("\n")[2])
    return memory_note(*map(int, found.groups())) if found else ""
INSECURE_WARNING = ("the sandbox is not isolated: Linux namespaces are not available here, so the student's code "
                    "runs with the grader's user and can read what it can read; only resource limits apply")


def launcher():
    """The start of the command line that runs the sandbox (see the module's docstring)."""
    return [sys.executable, "-I", str(Path(__file__).resolve())]


class _Libc:
    def __init__(self):
        self.lib = ctypes.CDLL(None, use_errno=True)
        self.lib.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
        self.lib.umount2.argtypes = (ctypes.c_char_p, ctypes.c_int)

    def call(self, what, result):
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    def unshare(self, flags):
        self.call("unshare", self.lib.unshare(flags))

    def mount(self, source, target, fstype, flags, data=None):
        self.call(f"mount {target}", self.lib.mount(source and source.encode(), str(target).encode(),
                                                   fstype and fstype.encode(), flags, data and data.encode()))

    def pivot_root(self, new_root, put_old):
        number = SYS_PIVOT_ROOT.get(os.uname().machine)
        if number is None:
            raise OSError(f"pivot_root: unknown system call number on {os.uname().machine}")
        self.call("pivot_root", self.lib.syscall(number, str(new_root).encode(), str(put_old).encode()))

    def umount(self, target):
        self.call(f"umount {target}", self.lib.umount2(str(target).encode(), MNT_DETACH))

    def prctl(self, option, value):
        self.call("prctl", self.lib.prctl(option, ctypes.c_ulong(value), 0, 0, 0))

    def drop_capabilities(self):
        """Clear every capability (those an unprivileged user holds in its own user namespace)."""
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()
        self.call("capset", self.lib.capset(header, data))
        for cap in range(64):
            self.lib.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP; fails harmlessly past the last capability


def _namespace_flags():
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    return flags if os.geteuid() == 0 else flags | CLONE_NEWUSER


_available = None


def isolation_available():
    """True where the sandbox gets its namespaces (tried once per process, in a throwaway child)."""
    global _available
    if _available is None:
        if not sys.platform.startswith("linux"):
            _available = False
        else:
            pid = os.fork()
            if pid == 0:
                try:
                    _Libc().unshare(_namespace_flags())
                    os._exit(0)
                except BaseException:
                    os._exit(1)
            _available = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    return _available


class Group:
    """The sandbox's control group: one folder per controller (memory, pids) in cgroups v1, one in v2.

    The process that waits for the sandbox makes it (open), the sandbox's process 1 joins it
    before anything else runs (join, then let_go), and the waiting process removes it once the
    sandbox has ended (close). The waiting process shares its mount namespace with process 1,
    which makes a root without /sys: it reaches the group through folders it opened before.
    A group left behind by a waiting process that was killed is removed by the next sandbox
    made beside it.
    """

    def __init__(self, version):
        # The pid tells the sweep whether the owner lives; the random part keeps a leftover's counters from a
        # new group that reuses the pid.
        self.version, self.name = version, f"{GROUP_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
        self.folders, self._parents = [], []  # the group's folders; open descriptors of their parents

    @classmethod
    def open(cls, memory_mb, processes):
        """A new group with these limits; raises OSError where none can be made here."""
        if os.geteuid() != 0:
            # An ordinary user's sandbox runs as that user, who could rewrite a group it owns from inside.
            raise OSError("a control group for the sandbox is made as root only")
        version, parents = _own_groups()
        group = cls(version)
        try:
            for parent in parents:
                _sweep(parent)
                group._parents.append(os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
                (parent / group.name).mkdir()
                group.folders.append(parent / group.name)
            for file, value in group._limits(memory_mb * 1024 * 1024, processes):
                file.write_text(str(value))
        except OSError:
            group.close()
            raise
        return group

    def _limits(self, memory, processes):
        def find(name):
            for folder in self.folders:
                if (folder / name).exists():
                    return folder / name
            raise OSError(f"no {name} in {', '.join(map(str, self.folders))}")
        if self.version == 1:
            limits = [(find("memory.limit_in_bytes"), memory), (find("pids.max"), processes)]
            swap = [f / "memory.memsw.limit_in_bytes" for f in self.folders]
            return limits + [(file, memory) for file in swap if file.exists()]  # memory and swap together
        swap = [f / "memory.swap.max" for f in self.folders if (f / "memory.swap.max").exists()]
        return [(find("memory.max"), memory), (find("pids.max"), processes)] + [(file, 0) for file in swap]

    def join(self):
        """Put this process (and so all it will start) in the group; then let_go."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text("0")
        self.let_go()

    def let_go(self):
        """Close the descriptors of the host's cgroup folders: the sandbox must not keep a way out of its root."""
        for fd in self._parents:
            os.close(fd)
        self._parents = []

    def oom_kills(self):
        """How many of the group's processes the system stopped for going over its memory limit."""
        for parent in self._parents:
            for name in ("memory.oom_control", "memory.events"):
                try:
                    fd = os.open(f"{self.name}/{name}", os.O_RDONLY, dir_fd=parent)
                    with open(fd) as file:
                        for line in file:
                            key, _, value = line.partition(" ")
                            if key == "oom_kill":
                                return int(value)
                except (OSError, ValueError):
                    continue
        return 0

    def close(self):
        """Remove the group, once the processes of the ended sandbox have left it (they go within moments)."""
        for parent in self._parents:
            for attempt in range(600):
                try:
                    os.rmdir(self.name, dir_fd=parent)
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY: the namespace's last processes are still being stopped (a few ms)
                    select.select([], [], [], 0.0005 if attempt < 100 else 0.01)
        self.let_go()
        self.folders = []


def _own_groups():
    """(1 or 2, [the folders of this process's own memory and pids groups]); raises OSError if there are none."""
    mounts = {}  # controller or "" (cgroups v2) -> (root of the hierarchy in the mount, mount point)
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, rest = line.partition(" - ")
        fields, rest = fields.split(), rest.split()
        if rest[0] == "cgroup2":
            mounts.setdefault("", (fields[3], fields[4]))
        elif rest[0] == "cgroup":
            for option in rest[2].split(","):
                mounts.setdefault(option, (fields[3], fields[4]))
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path

    def folder(controller):
        root, mount_point = mounts[controller]
        path = own[controller]
        relative = os.path.relpath(path, root)
        if relative == ".." or relative.startswith("../") or ".." in Path(path).parts:
            raise OSError(f"this process's {controller or 'unified'} group {path} is not below the mount's root {root}")
        return Path(mount_point, "" if relative == "." else relative)

    if all(c in mounts and c in own for c in ("memory", "pids")):
        return 1, sorted({folder("memory"), folder("pids")})
    if "" in mounts and "" in own:
        unified = folder("")
        delegated = (unified / "cgroup.subtree_control").read_text().split()
        if {"memory", "pids"} <= set(delegated):
            return 2, [unified]
    raise OSError("no cgroup hierarchy with the memory and pids controllers for this process")


def _sweep(parent):
    """Remove the groups of sandboxes whose waiting process is gone (killed before it could close them)."""
    for folder in parent.glob(f"{GROUP_PREFIX}*"):
        try:
            os.kill(int(folder.name[len(GROUP_PREFIX):].partition("-")[0]), 0)
        except ProcessLookupError:
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty yet, or not ours
        except (ValueError, PermissionError):
            pass


_groups = None
group_problem = ""  # why enter() could not give its sandbox a group (GROUP_WARNING and the error), or ""


def groups_available():
    """True where a sandbox gets a control group (made and removed once per process, to find out)."""
    global _groups
    if _groups is None:
        try:
            Group.open(64, 16).close()
            _groups = True
        except OSError:
            _groups = False
    return _groups


def _python_paths():
    """The Python installation and the virtual environment, as the paths the interpreter uses and their targets.

    The project installs no code of its own into the environment (pyproject.toml), so
    showing it reveals no solution.
    """
    paths = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).parent}
    return sorted({p for path in paths for p in (path.absolute(), path.resolve())})


def _map_own_user():
    """In a new user namespace: be the same user and group as outside (all an ordinary user may map)."""
    uid, gid = os.geteuid(), os.getegid()
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


# statvfs's flags of a mount, and the mount flags that keep them: a user namespace may not drop them.
_KEPT_FLAGS = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
               (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))


def _bind(libc, source, target, writable):
    """Bind `source` (a path under the old root) at `target`, read-only unless writable, never setuid."""
    if source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    libc.mount(str(source), target, None, MS_BIND | MS_REC)
    kept = os.statvfs(target).f_flag
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (0 if writable else MS_RDONLY)
    flags |= sum(flag for st, flag in _KEPT_FLAGS if kept & st)
    libc.mount(None, target, None, flags)


def _build_root(libc, view):
    """Make a root that holds only the view, and enter it; the host's root is gone from this namespace.

    As bubblewrap does: a scratch tmpfs becomes the root first, with the host's root under
    /old, so that the view's sources stay reachable (a clone under /tmp, say) while the
    view is built in /new; then /new becomes the root and the scratch and /old are let go.
    """
    libc.mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    os.mkdir("/tmp/old")
    os.mkdir("/tmp/new")
    libc.pivot_root("/tmp", "/tmp/old")
    os.chdir("/")
    new, old = Path("/new"), Path("/old")
    libc.mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    mounts = [(Path(path), "tmpfs", options) for path, options in PRIVATE.items()]
    mounts += [(path, "read-only", None) for path in view["read_only"]]
    mounts += [(path, "writable", None) for path in view["writable"]]
    mounts += [(Path(path), "device", None) for path in DEVICES]
    # Parents before what is mounted inside them (a clone under /tmp needs the private /tmp first).
    for path, kind, options in sorted(mounts, key=lambda m: (len(m[0].parts), str(m[0]))):
        target, source = new / path.relative_to("/"), old / path.relative_to("/")
        if kind == "tmpfs":
            target.mkdir(parents=True, exist_ok=True)
            libc.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)
        elif source.is_symlink():  # /bin -> usr/bin, /etc/localtime -> /usr/share/zoneinfo/...: the same link
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(source))
        else:
            _bind(libc, source, target, writable=kind != "read-only")
    for link, points_to in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                            ("stderr", "/proc/self/fd/2")):
        (new / "dev" / link).symlink_to(points_to)
    (new / "proc").mkdir()
    # A new /proc shows this PID namespace only; the kernel allows it while the host's /proc is in view.
    libc.mount("proc", new / "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    libc.umount(old)
    (new / "scratch").mkdir()
    libc.pivot_root(new, new / "scratch")
    os.chdir("/")
    libc.umount("/scratch")
    os.rmdir("/scratch")
    libc.mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _existing(paths):
    return [Path(p) for p in paths if os.path.lexists(p)]


def _wait_for(child, group, memory_mb):
    """In the process that started the sandbox: pass signals on to it, wait, remove its group (saying on
    stderr whether the system stopped any of its processes for memory), and end as it ended. Never returns.

    Until it ends it holds the write end of a pipe whose read end process 1 watches.
    """
    # Process 1 of a PID namespace ignores the signals it has no handler for: an interrupt is passed on
    # (a kernel handles SIGINT), a request to end ends the whole namespace.
    for signum in (signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, lambda signum, _: os.kill(child, signum))
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, lambda signum, _: os.kill(child, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    for signum in (signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_IGN)  # the child is reaped: its pid may be another process's now
    code = os.waitstatus_to_exitcode(status)
    if group:
        stopped = group.oom_kills()
        group.close()
        if stopped:  # the last line on stderr (on a line of its own): nothing of the sandbox's runs any more
            print(f"\n{NOTE}{memory_note(memory_mb, stopped)}", file=sys.stderr, flush=True)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core of this (root) process in the student's folder
    if code < 0:  # killed by a signal: end the same way, so that the grader sees what happened
        if -code not in (signal.SIGKILL, signal.SIGSTOP):  # those two have no handler to reset
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code if code >= 0 else 1)


def _die_with_parent(libc, parent_alive):
    """Be killed when the waiting process dies; end now if it already has (the pipe's write end closed)."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([parent_alive], [], [], 0)[0]:
        os._exit(1)


def _limit(memory_mb, cpu_seconds, processes=None):
    limits = [(resource.RLIMIT_AS, memory_mb * 1024 * 1024), (resource.RLIMIT_CPU, cpu_seconds),
              (resource.RLIMIT_FSIZE, 64 * 1024 * 1024), (resource.RLIMIT_NOFILE, 256), (resource.RLIMIT_CORE, 0)]
    if processes:  # counts every process of the user: only meaningful for a user of its own
        limits.append((resource.RLIMIT_NPROC, processes))
    for limit, value in limits:
        resource.setrlimit(limit, (value, value))


def _hand_over(files, command, uid):
    """Write files (read before the view was built) into the private /tmp for the sandbox user; returns the
    command using them."""
    for path, data in files.items():
        copy = Path("/tmp") / path.name
        copy.write_bytes(data)
        os.chown(copy, uid, uid)
        os.chmod(copy, 0o600)
        command = [str(copy) if arg == str(path) else arg for arg in command]
    return command


def environment():
    """The environment of the sandboxed command: a few of this one's variables and the sandbox's own."""
    # The variable's name is cs231n_style.autograding.GRADING_ENV, written out: the sandbox runs in the
    # submission's folder and must not import anything a student could have shadowed.
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM")}
    return {**keep, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "CS231N_STYLE_GRADING": "1",
            # ipykernel's debugger otherwise warns, in every grading log, that Python's frozen modules
            # may make it miss breakpoints; nobody sets breakpoints in a graded kernel.
            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def parser():
    p = argparse.ArgumentParser(prog="python -I autograder/isolation/sandbox.py", description=__doc__.splitlines()[0])
    p.add_argument("--expose", action="append", default=[], type=Path,
                   help="a directory that stays visible, read-only (default: the current directory)")
    p.add_argument("--writable", action="append", default=[], type=Path,
                   help="a directory that stays visible and writable (a kernel's sockets); as root, given to "
                        "the sandbox's user")
    p.add_argument("--readable", action="append", default=[], type=Path,
                   help="a file the command needs (a kernel's connection file): copied into the sandbox's "
                        "/tmp for the sandbox user, and its path in the command replaced by the copy's")
    p.add_argument("--connection-file", type=Path,
                   help="a kernel's connection file: handed over as --readable is, and its folder (where the "
                        "kernel's ipc:// sockets go) is writable")
    p.add_argument("--memory-mb", type=int, default=3072,
                   help="address-space limit of each process, and memory limit of the whole sandbox where it "
                        "gets a control group (default 3072)")
    p.add_argument("--cpu-seconds", type=int, default=600, help="CPU-time limit (default 600)")
    p.add_argument("--processes", type=int, default=256,
                   help="processes and threads of the whole sandbox where it gets a control group, and of the "
                        "sandbox user as root (default 256)")
    p.add_argument("--insecure", action="store_true",
                   help="where namespaces are not available, run with the limits alone instead of refusing")
    p.add_argument("command", nargs=argparse.REMAINDER)
    return p


def _parse(argv):
    p = parser()
    args = p.parse_args(argv)
    args.command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not args.command:
        p.error("command: expected a command after --")
    for name in ("memory_mb", "cpu_seconds", "processes"):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')}: expected a positive number, got {getattr(args, name)}")
    if args.connection_file:
        args.readable.append(args.connection_file)
        args.writable.append(args.connection_file.parent)
    for option, paths in (("--expose", args.expose), ("--writable", args.writable)):
        for path in paths:
            if not path.is_dir():
                p.error(f"{option}: {path} is not a directory")
    for path in args.writable:  # as root it is given to the sandbox's user: never a shared folder such as /tmp
        info = path.lstat()
        if path.is_symlink() or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            p.error(f"--writable: {path} must be a folder of this user's own that nobody else may enter "
                    "(mode 0700), as tempfile.mkdtemp makes")
    return args


def enter(argv):
    """Put this process in the sandbox that `argv` (the options, "--", the command) describes.

    Returns (command, environment) to run there, in the sandbox's process 1: the command
    with the readable files' paths replaced by their private copies. The calling process
    itself stays outside, waits for the sandbox and ends as its process 1 ends: enter()
    returns only inside. Raises SystemExit on bad options, or where the sandbox cannot be
    had and --insecure was not given.
    """
    args = _parse(argv)
    cwd = Path.cwd()
    command = args.command
    readable = {path: path.read_bytes() for path in args.readable}  # read now: they are out of view next
    if not isolation_available():
        if not args.insecure:
            sys.exit(f"sandbox: {INSECURE_WARNING}; refusing to run (--insecure runs with the limits alone)")
        print(f"sandbox: warning: {INSECURE_WARNING}", file=sys.stderr)
        _limit(args.memory_mb, args.cpu_seconds)
        os.makedirs("/tmp/matplotlib", exist_ok=True)
        return command, environment()
    root = os.geteuid() == 0
    uid = UID_BASE + os.getpid() if root else os.geteuid()
    view = {"read_only": _existing(SYSTEM) + _python_paths() + [p.resolve() for p in (args.expose or [cwd])],
            "writable": [p.resolve() for p in args.writable]}
    libc = _Libc()
    if not root:
        libc.unshare(CLONE_NEWUSER)
        _map_own_user()
    libc.unshare(_namespace_flags() & ~CLONE_NEWUSER)
    global group_problem
    try:
        group = Group.open(args.memory_mb, args.processes)
    except OSError as error:
        group, group_problem = None, f"{GROUP_WARNING} ({error})"
    parent_alive, alive_write = os.pipe()
    child = os.fork()
    if child:
        os.close(parent_alive)
        _wait_for(child, group, args.memory_mb)
    # Process 1 of the new PID namespace: it dies when the waiting process dies, and all of the
    # namespace with it.
    os.close(alive_write)
    if group:
        group.join()  # before anything else runs here: all that process 1 starts is in the group too
    _die_with_parent(libc, parent_alive)
    os.setsid()  # out of the waiting process's group: the grader's signals reach us through it, once
    libc.mount(None, "/", None, MS_REC | MS_PRIVATE)
    if root:
        for path in view["writable"]:
            os.chown(path, uid, uid)
    _build_root(libc, view)
    socket.sethostname("sandbox")
    os.chdir(cwd)
    command = _hand_over(readable, command, uid)
    if root:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # from root to an unprivileged user: every capability goes
    else:
        libc.drop_capabilities()
    _die_with_parent(libc, parent_alive)  # again: a change of user clears the parent-death signal
    os.close(parent_alive)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1)
    _limit(args.memory_mb, args.cpu_seconds, args.processes if root else None)
    os.makedirs("/tmp/matplotlib", exist_ok=True)
    return command, environment()


def main(argv=None):
    command, environment = enter(sys.argv[1:] if argv is None else argv)
    if group_problem:
        print(f"sandbox: warning: {group_problem}", file=sys.stderr, flush=True)
    os.execvpe(command[0], command, environment)


if __name__ == "__main__":
    main()
