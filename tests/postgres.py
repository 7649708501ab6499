"""A real PostgreSQL server for the tests and the benchmarks: started in a temporary directory
on a Unix socket and 127.0.0.1, with password (SCRAM) authentication, and stopped at the end.

The binaries are the system's (``pg_ctl`` on PATH, or Debian's ``/usr/lib/postgresql/N/bin``);
on a machine without them, those of the ``pgserver`` wheel, which ``make setup`` installs then
(a whole PostgreSQL in a pip package; it lacks the ``unaccent`` extension, which annotator
replaces by a function of its own). PostgreSQL refuses to run as root: as root, the server runs
as the ``postgres`` user (or ``nobody``).

Credentials live where libpq reads them: a password file named by ``PGPASSFILE``, never in a URL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "annotator_admin"


def find_binaries() -> Path | None:
    """The directory of ``pg_ctl`` and ``initdb``: the system's first, else pgserver's."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    try:
        import pgserver  # type: ignore[import-not-found]
    except ImportError:
        return None
    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return bundled if (bundled / "pg_ctl").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One PostgreSQL cluster. ``url(database, user)`` names a database on it; the passwords
    are in ``passfile`` (set as ``PGPASSFILE`` by :meth:`start`)."""

    def __init__(self, root: Path | None = None) -> None:
        binaries = find_binaries()
        if binaries is None:
            raise RuntimeError(
                "no PostgreSQL server binaries: install Debian's postgresql package, or run "
                "`make setup`, which installs the pgserver wheel when the system has none"
            )
        self.bin = binaries
        self.root = Path(root or tempfile.mkdtemp(prefix="annotator-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.passfile = self.root / "pgpass"
        self.port = _free_port()
        self.passwords: dict[str, str] = {SUPERUSER: "admin-" + os.urandom(8).hex()}
        self._run_as = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self._run_as = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue

    # -- running
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs = {}
        if self._run_as is not None:
            kwargs = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid}
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]], capture_output=True, text=True, env=env, **kwargs
        )
        if check and result.returncode:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result

    def start(self) -> Server:
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        pwfile = self.root / "initpw"
        pwfile.write_text(self.passwords[SUPERUSER] + "\n")
        if self._run_as is not None:
            for path in (self.root, self.socket_dir, pwfile):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        os.chmod(self.root, 0o755)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(pwfile),
            "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        self.resume()
        self.write_passfile()
        os.environ["PGPASSFILE"] = str(self.passfile)
        return self

    def resume(self) -> None:
        """Start the cluster (again, after :meth:`stop`)."""
        options = (
            f"-k {self.socket_dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=on "
            "-c max_connections=200 -c shared_buffers=128MB"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def admin_execute(self, sql: str) -> None:
        """Run ``sql`` as the superuser (CREATE/DROP DATABASE), on a connection made again if
        a restart cut it."""
        import psycopg

        if getattr(self, "_admin", None) is None or self._admin.broken or self._admin.closed:
            self._admin = psycopg.connect(self.url(), autocommit=True)
        try:
            self._admin.execute(sql)
        except psycopg.OperationalError:  # cut by a restart it has not noticed yet
            self._admin = psycopg.connect(self.url(), autocommit=True)
            self._admin.execute(sql)

    def write_passfile(self) -> None:
        lines = [f"*:*:*:{user}:{password}" for user, password in self.passwords.items()]
        self.passfile.write_text("\n".join(lines) + "\n")
        os.chmod(self.passfile, 0o600)

    def add_password(self, user: str, password: str) -> None:
        self.passwords[user] = password
        self.write_passfile()

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        """Stop (fast: clients cut) and start again (pg_ctl restart would not keep the log file,
        and the server would hold this process's pipes)."""
        self.stop("fast")
        self.resume()

    def destroy(self) -> None:
        if getattr(self, "_admin", None) is not None:
            self._admin.close()
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- naming
    def url(self, database: str = "postgres", user: str = SUPERUSER, tcp: bool = False) -> str:
        host = "127.0.0.1" if tcp else str(self.socket_dir).replace("/", "%2F")
        return f"postgresql://{user}@{host}:{self.port}/{database}"

    def wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self._run("pg_isready", "-h", str(self.socket_dir), "-p", str(self.port), check=False)
            if result.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not come up: {(self.root / 'log').read_text()[-2000:]}")
