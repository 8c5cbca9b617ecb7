"""A PostgreSQL server of one test's own (``initdb`` + ``pg_ctl`` on a free port), so that the test can stop
it for real, by its process id, without touching the shared server the other tests use."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_owner(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: then run it as the ``postgres`` system user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PrivatePostgres:
    def __init__(self, data: Path, port: int) -> None:
        self.data = data
        self.port = port
        self.admin_url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        """A fast shutdown (SIGINT to the postmaster, by its pid): connections end, new ones are refused."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGINT)
        for _ in range(300):
            if not (self.data / "postmaster.pid").exists():
                return
            time.sleep(0.05)
        raise AssertionError("the private PostgreSQL did not stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (BIN / "initdb").exists():
        raise AssertionError(f"no PostgreSQL 15 binaries in {BIN}")
    root = Path(tempfile.mkdtemp(prefix="certreg-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = _free_port()
    subprocess.run(
        _as_owner([str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_owner([str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]),
        check=True,
        capture_output=True,
    )
    server = PrivatePostgres(data, port)
    try:
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
