"""Server processes of the production tests, started on free ports and ended by their own pid only."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.integration.verify.servers import Server


class ProxiedServer(Server):
    """``uvicorn verify.asgi:app`` with uvicorn's own proxy-header handling off, as docs/verify.md says to
    run it: the app alone decides which ``X-Forwarded-For`` to believe."""

    def command(self) -> list[str]:
        return [*super().command(), "--no-proxy-headers"]


class CertregServe(Server):
    """``certreg serve`` (the all-in-one app under uvicorn), exactly as an operator starts it."""

    def command(self) -> list[str]:
        certreg = str(Path(sys.executable).with_name("certreg"))
        return [certreg, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
