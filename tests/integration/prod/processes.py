"""Server processes of the production tests, started on free ports and ended by their own pid only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.verify.servers import ROOT, Server, free_port


class ProxiedServer(Server):
    """``uvicorn verify.asgi:app`` with uvicorn's own proxy-header handling off, as docs/verify.md says to
    run it: the app alone decides which ``X-Forwarded-For`` to believe."""

    def command(self) -> list[str]:
        return [*super().command(), "--no-proxy-headers"]


class CertregServe(Server):
    """``certreg serve`` (the all-in-one app under uvicorn), exactly as an operator starts it (its start is
    bounded by :data:`~tests.integration.verify.servers.START_TIMEOUT`, like every server's)."""

    def command(self) -> list[str]:
        certreg = str(Path(sys.executable).with_name("certreg"))
        return [certreg, "serve", "--host", "127.0.0.1", "--port", str(self.port)]


def server_env(settings: dict[str, object]) -> dict[str, str]:
    """The environment of a server process: ours without CERTREG_* variables, then ``settings`` as them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTREG_")}
    env |= {f"CERTREG_{k.upper()}": str(v) for k, v in settings.items()}
    env["PYTHONPATH"] = str(ROOT)
    return env


class LoggedServe(CertregServe):
    """``certreg serve`` whose stderr (every log line the process writes) goes to ``log_path``, and its
    stdout (the banner) to ``log_path`` + ``.out``."""

    def __init__(self, log_path: Path, **settings: object) -> None:
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.out_path = log_path.with_suffix(".out")
        # run from the test's own directory: relative defaults (the key directory, and the demo links beside
        # it that `make run` leaves in the checkout's var/) must not reach into the developer's checkout
        with log_path.open("wb") as err, self.out_path.open("wb") as out:
            self.process = subprocess.Popen(
                self.command(), env=server_env(settings), cwd=log_path.parent, stdout=out, stderr=err
            )

    def lines(self) -> list[str]:
        """The log lines (stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def output(self) -> str:
        """What it printed on stdout."""
        return self.out_path.read_text(encoding="utf-8", errors="replace")
