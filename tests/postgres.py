"""A throwaway PostgreSQL server on loopback, for the gradebook tests.

Uses Debian's postgresql package (`make test` installs it where it can, see the
Makefile): initdb into a temporary folder, pg_ctl start on a free port of
127.0.0.1, password authentication (SCRAM), one database per test. The password is
in a password file of PostgreSQL's own format (PGPASSFILE), never in a URL or on a
command line, as the README tells instructors. As root the server runs as the
package's `postgres` user, since PostgreSQL refuses to run as root.
"""
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import optional


def _binaries():
    """The folder holding initdb and pg_ctl, or None."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(folder, "initdb"), os.X_OK):
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user():
    """(preexec_fn, uid) to run the server's commands as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return None, os.geteuid()
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        optional.missing("running as root, and there is no `postgres` user to run the server as")

    def drop():
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return drop, user.pw_uid


@contextmanager
def postgres_server():
    """Start a server in a new temporary folder; yields (database, pgpass).

    database(name) creates a database and returns its SQLAlchemy URL, without the password;
    pgpass is the password file (mode 0600) to give clients as PGPASSFILE.

    (Not in pytest's tmp_path: as root, that is a folder the server's user cannot enter.)
    """
    binaries = _binaries()
    if binaries is None:
        optional.missing("PostgreSQL is not installed (sudo apt-get install -y postgresql)")
    preexec, uid = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="gradebook-postgres-"))
    os.chown(folder, uid, -1)
    data = folder / "data"
    port = _free_port()

    password = secrets.token_hex(16)
    (folder / "password").write_text(password + "\n")
    os.chown(folder / "password", uid, -1)
    pgpass = Path(tempfile.mkdtemp(prefix="gradebook-pgpass-")) / "pgpass"
    pgpass.write_text(f"127.0.0.1:{port}:*:grader:{password}\n")
    pgpass.chmod(0o600)

    def run(*command):
        return subprocess.run(command, preexec_fn=preexec, capture_output=True, text=True, timeout=120, check=True,
                              cwd=folder, env={**os.environ, "PGPASSWORD": password})

    run(str(binaries / "initdb"), "-D", str(data), "-A", "scram-sha-256", "--pwfile", str(folder / "password"),
        "-U", "grader", "--no-sync")
    (folder / "password").unlink()
    run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "start",
        "-o", f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} -c fsync=off")
    try:
        def database(name):
            run(str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader", name)
            return f"postgresql://grader@127.0.0.1:{port}/{name}"

        yield database, pgpass
    finally:
        subprocess.run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], preexec_fn=preexec,
                       capture_output=True, timeout=120, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(pgpass.parent, ignore_errors=True)
