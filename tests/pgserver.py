"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl
start on 127.0.0.1 and a free port (socket in that folder), stopped and deleted at the end.

As root the server runs as the ``postgres`` user (runuser). Without a server binary the
tests that need it are skipped, unless PELVIC_SCREEN_REQUIRE_POSTGRES=1 (CI): then they fail.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

REQUIRE_ENV = "PELVIC_SCREEN_REQUIRE_POSTGRES"


def server_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit()
                        else 0, reverse=True)
    for d in candidates:
        if (Path(d) / "initdb").is_file() and (Path(d) / "pg_ctl").is_file():
            return Path(d)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def unavailable(reason: str):
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PostgreSQL is required here ({REQUIRE_ENV}=1) but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self) -> None:
        bindir = server_bindir()
        if bindir is None:
            unavailable("no PostgreSQL server binary (initdb, pg_ctl) was found; "
                        "install Debian's postgresql package")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            unavailable("the psycopg driver is not installed (pip install -e '.[postgres]')")
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        if self.as_root and shutil.which("runuser") is None:
            unavailable("running as root needs runuser (util-linux) to start PostgreSQL as "
                        "the postgres user")
        # as root, a folder the postgres user can reach whatever TMPDIR says
        self.base = Path(tempfile.mkdtemp(prefix="pelvic-screen-pg-",
                                          dir="/tmp" if self.as_root else None))
        self.data, self.sock = self.base / "data", self.base / "sock"
        self.sock.mkdir()
        self.password = "pw-" + secrets.token_hex(8)
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")
            for p in (self.sock, pwfile):
                shutil.chown(p, "postgres", "postgres")
        self.port = free_port()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                  f"--pwfile={pwfile}")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                  "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sock} "
                  "-c fsync=off -c max_connections=50", "start")
        self.running = True

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            log = self.base / "server.log"
            raise RuntimeError(f"{tool} failed: {proc.stderr or proc.stdout}"
                               + (log.read_text() if log.is_file() else ""))

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://postgres:{pw}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = "pelvic_" + secrets.token_hex(6)
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if getattr(self, "running", False):
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            finally:
                self.running = False
        shutil.rmtree(self.base, ignore_errors=True)
