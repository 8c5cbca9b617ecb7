"""JSON log lines on stderr (structlog), one object per line, for every logger of the process.

Our own loggers (``certreg.*``), litestar's, uvicorn's and SQLAlchemy's all go through one handler on the
root logger, rendered by structlog as JSON with a UTC timestamp, the level, the logger name and whatever the
request bound (its ``request_id``). Configuring twice replaces our handler, never anyone else's (pytest's
capture handlers stay).

What must never reach a log line (DEVELOPERS.md, docs/operations.md): a query string (the public form puts
the holder's name in it), a raw path (a QR token encodes the holder's name), a name, a document number. So
the access log writes the route *template*, the server's own access logs (which print the raw request line)
are switched off here whatever the server was told, and the database engines hide bound parameters
(:mod:`registry.db`).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Final, TextIO

import structlog

#: Server loggers that print the raw request line, query string included; our access log replaces them.
SERVER_ACCESS_LOGGERS: Final = ("uvicorn.access", "granian.access", "_granian.access")
#: Server loggers that come with handlers of their own (plain text); they are pointed at ours instead.
SERVER_LOGGERS: Final = ("uvicorn", "uvicorn.error", "_granian", "granian")

_SHARED: Final[list[Any]] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (a test's capture replaces it and closes it later)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        return


def configure_logging(level: str = "INFO") -> None:
    """Route every logger of the process to one JSON handler on stderr at ``level`` (idempotent)."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    # Other libraries stay at WARNING whatever CERTREG_LOG_LEVEL says: aiosqlite's and SQLAlchemy's debug
    # lines print statements with their parameters (names, digests).
    root.setLevel(logging.WARNING)
    logging.getLogger("certreg").setLevel(level.upper())
    for name in SERVER_LOGGERS:
        server = logging.getLogger(name)
        server.handlers = []
        server.propagate = True
        server.setLevel(max(logging.INFO, logging.getLevelName(level.upper())))
    for name in SERVER_ACCESS_LOGGERS:
        logging.getLogger(name).disabled = True


def get_logger(name: str) -> Any:
    """A structlog logger (``logger.info("event", key=value)``) rendered through the JSON handler."""
    return structlog.stdlib.get_logger(name)
