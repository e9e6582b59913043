"""Run a command as an ordinary user (nobody), as an instructor without root would run the grader.

Used by the tests that check isolation holds without root. Only root can switch users,
so when the tests themselves run as an ordinary user, they run the command as they are.

This machine's Python may live under a home folder other users cannot enter (pyenv in
/root, mode 0700). The command then runs in a private mount namespace in which that
folder is replaced by an empty one that everybody may enter, holding only the Python
installation, at its usual path: the ordinary user reaches Python and nothing else of
root's home.
"""
import os
import pwd
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

USER = "nobody"


def available():
    """'' if commands can run as USER here, else what is missing."""
    if os.geteuid() != 0:
        return ""  # already an ordinary user: commands run as they are
    missing = [tool for tool in ("unshare", "setpriv") if shutil.which(tool) is None]
    try:
        pwd.getpwnam(USER)
    except KeyError:
        missing.append(f"a user named {USER}")
    return ", ".join(missing)


def _closed_ancestor(path):
    for ancestor in reversed(path.parents):
        if not ancestor.stat().st_mode & 0o001:
            return ancestor
    return None


def command(argv, env=None):
    """The command line that runs argv as USER (or as it is, when not root), with env set."""
    env = env or {}
    setenv = ["env", *[f"{k}={v}" for k, v in env.items()]]
    if os.geteuid() != 0:
        return [*setenv, *argv]
    user = pwd.getpwnam(USER)
    steps = []
    for prefix in sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}):
        closed = _closed_ancestor(prefix)
        if closed is None:
            continue
        real = f"/run/real-{closed.name}"
        steps += [f"mkdir -p {real}", f"mount --bind {closed} {real}",
                  f"mount -t tmpfs -o mode=0755 tmpfs {closed}",
                  f"mkdir -p {prefix}", f"mount --bind {real}/{prefix.relative_to(closed)} {prefix}",
                  f"umount -l {real}"]
    switch = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *setenv, *argv]
    script = " && ".join(steps + ["exec " + shlex.join(switch)])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]


def folder(prefix):
    """A new folder the ordinary user owns (outside pytest's tmp_path, which is root's own)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    if os.geteuid() == 0:
        user = pwd.getpwnam(USER)
        os.chown(path, user.pw_uid, user.pw_gid)
    return path
