"""Real processes for the failure tests: the verify app under uvicorn, and a redis-server of the test's own
(the shared Redis must never be stopped). Processes are ended by their own pid only."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.conftest import IN_CI
from tests.support import stop_process

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: One client for every poll of a test process's servers: ``httpx.get`` makes a client, and with it an SSL context
#: that loads the CA bundle (~30 ms of CPU), for each call, even for plain http:// (a server start polled every
#: 50 ms, ``metric`` in loops: ~7% of the integration tests' CPU; suite time, DEVELOPERS.md).
#: No connection is kept between polls: each request opens its own, as ``httpx.get`` did, so a poll never meets a
#: connection to an earlier server on a reused port, and requests to a multi-worker server spread as before.
_HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def local_get(url: str, timeout: float) -> httpx.Response:
    """``GET url`` on the test process's one client (see :data:`_HTTP`)."""
    return _HTTP.get(url, timeout=timeout)


def wait_for(condition: str, check: object, timeout: float = 15.0) -> None:
    """Poll ``check()`` until it is true; raises AssertionError naming ``condition`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, OSError):  # not up yet
            if check():  # type: ignore[operator]
                return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {condition}")


#: How long a server may take to answer its health check. Generous: on a loaded 2-core machine importing the app
#: alone took over 15 s, and a healthy start returns at its first answer, so the bound costs nothing then.
START_TIMEOUT = 90.0


class Server:
    """``uvicorn verify.asgi:app`` on a free port with ``CERTREG_*`` settings and nothing else."""

    def __init__(self, **settings: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CERTREG_")}
        env |= {f"CERTREG_{k.upper()}": str(v) for k, v in settings.items()}
        env["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(self.command(), env=env, cwd=ROOT)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "verify.asgi:app", "--port", str(self.port), "--no-access-log",
                "--log-level", "warning"]  # fmt: skip

    def __enter__(self) -> Server:
        try:
            wait_for(f"{self.url} to start", self._started, timeout=START_TIMEOUT)
        except BaseException:
            self.stop()  # __exit__ is not called when __enter__ fails: never leave the process running
            raise
        return self

    def _started(self) -> bool:
        """Whether the server answers its health check; a server that exited fails at once (with its code)."""
        code = self.process.poll()
        if code is not None:
            raise AssertionError(f"{self.url} exited with {code} before it answered")
        return local_get(f"{self.url}/health/live", timeout=1).status_code == 200

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_process(self.process, grace=10, then=5)

    def metric(self, series: str) -> float:
        for line in local_get(f"{self.url}/metrics", timeout=5).text.splitlines():
            if line.startswith(series + " "):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no series {series}")


class GranianServer(Server):
    """``granian --interface asgi verify.asgi:app`` with two workers: the read path as deployed."""

    WORKERS = 2

    def command(self) -> list[str]:
        workers = str(self.WORKERS)
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port",
                str(self.port), "--workers", workers, "--log-level", "warning", "verify.asgi:app"]  # fmt: skip


def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed"
        if IN_CI:
            raise AssertionError(f"CI=true and {message}")
        import pytest

        pytest.skip(message)
    return binary


class RedisServer:
    """A redis-server of the test's own on ``port`` (no persistence), killable and restartable."""

    def __init__(self, port: int | None = None, *, directory: Path | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        #: Where ``SAVE`` writes its snapshot and a restart reads it back (None: the process's own cwd).
        self.directory = directory

    def start(self) -> RedisServer:
        where = ["--dir", str(self.directory)] if self.directory is not None else []
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--protected-mode", "no", *where],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(f"redis-server on {self.port}", self._answers, timeout=10)
        return self

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # a frozen server must be able to die
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def freeze(self) -> None:
        """SIGSTOP: the server keeps its sockets open and answers nothing (a stalled Redis)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: the frozen server carries on with whatever it was sent meanwhile."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.kill()
