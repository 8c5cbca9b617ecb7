"""The service under a benchmark: ``uvicorn`` in a child process with one worker (uvloop, httptools, no access
log), started with this process's environment minus its ``CERTREG_*`` variables plus the benchmark's own,
and ready once ``/health/live`` answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from tests.support import stop_process

#: What the child needs on its path to import ``bench`` and ``tests`` (the repository root).
ROOT = str(Path(__file__).resolve().parent.parent)


class UvicornServer:
    """``uvicorn {app}`` on ``port`` with ``settings`` (``CERTREG_*`` variables); raises :class:`RuntimeError`
    (after stopping it) when it does not answer within ``start_seconds``."""

    def __init__(
        self, app: str, port: int, settings: Mapping[str, str], *, factory: bool = False, start_seconds: float = 30
    ) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CERTREG_")}
        env |= {**settings, "PYTHONPATH": ROOT}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, *(["--factory"] if factory else []), "--port", str(port),
             "--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        deadline = time.monotonic() + start_seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/health/live", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{app} did not start")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s: a server still draining keep-alive connections must not end the run
        (the figures are taken already)."""
        stop_process(self.process, grace=15, then=15)
