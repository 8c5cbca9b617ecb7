"""A PostgreSQL primary and its streaming replica of the test's own (initdb + pg_basebackup on two ports free
when the pair is made, so two runs at once never stop each other's servers), run as the ``postgres`` user when
the tests run as root. Stopped by ``pg_ctl`` on their own data directories in the fixture's finalizer; the
directories are removed.

``pg_basebackup`` asks for a *fast* checkpoint: the default spread one paces itself over most of
``checkpoint_timeout`` and made the replica take 110 s to start under load (issue 12, suite time)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.integration.verify.servers import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def _missing(message: str) -> None:
    if IN_CI:
        raise AssertionError(f"CI=true and {message}")
    pytest.skip(message)


class StreamingPair:
    def __init__(self) -> None:
        if not (BIN / "initdb").exists():
            _missing(f"PostgreSQL binaries are not in {BIN}")
        self.base = Path(tempfile.mkdtemp(prefix="certreg-replica-", dir="/tmp"))
        self.primary = self.base / "primary"
        self.replica = self.base / "replica"
        self.started: list[Path] = []
        self.primary_port, self.replica_port = free_port(), free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def url(self, port: int, database: str = "certreg") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{database}"

    def start(self) -> StreamingPair:
        self._run(str(BIN / "initdb"), "-D", str(self.primary), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        settings = (
            f"port = {self.primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.base}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
            "synchronous_commit = off\nfull_page_writes = off\n"
        )
        self._append(self.primary / "postgresql.conf", settings)
        self._append(self.primary / "pg_hba.conf", "host replication all 127.0.0.1/32 trust\n")
        self._pg_ctl(self.primary, "start")
        self.started.append(self.primary)
        return self

    def create_database(self) -> None:
        self._run(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres", "certreg")

    def start_replica(self) -> None:
        """Copy the primary as it is now (call after the schema is in) and stream from it."""
        self._run(
            str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres", "-D",
            str(self.replica), "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        self._append(self.replica / "postgresql.auto.conf", f"port = {self.replica_port}\n")
        self._pg_ctl(self.replica, "start")
        self.started.append(self.replica)

    def _append(self, path: Path, text: str) -> None:
        with path.open("a") as fh:
            fh.write(text)

    def _pg_ctl(self, data: Path, action: str) -> None:
        self._run(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "60", action)

    def stop(self) -> None:
        for data in reversed(self.started):
            try:
                self._pg_ctl(data, "stop")
            except subprocess.CalledProcessError:
                self._run(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(self.base, ignore_errors=True)
