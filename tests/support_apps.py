"""The apps of a test's fixtures and clients, built once per app factory, settings and test process, and the key
directory that lets fixtures' settings be the same from one test to the next.

Building an app costs ~0.2 s of CPU (Litestar copies and inspects every route handler of every app it builds),
which every test that asked for a client paid again (suite time, DEVELOPERS.md). An app is the same between
lifespans but for ``app.state``, where the lifespan puts its runtimes and the console its own on first use: when
an app is handed out again its state goes back to what it held when built, so a test starts with the runtimes of
its own lifespan, never the last test's (the verify runtime holds the caches, metrics and rate limits; the edge
of :mod:`verify.http.edge` observes the runtime of each new lifespan); and the process's logging is set again,
as a new build does. An app serves one client at a time: a second client on the same settings while the first
is open gets an app of its own.

    async with issuer_client(settings) as client:   # instead of AsyncTestClient(create_app(settings))
        ...
    async with verify_client(settings) as client:   # instead of AsyncTestClient(verify.app.create_app(settings))
        ...
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from issuer.app import create_app
from issuer.identity.kek import KEK_FILE_NAME, forget_file
from registry.config import Settings
from registry.observability.logs import configure_logging
from verify.app import create_app as create_verify_app


class AppPool:
    """The apps ``factory`` built for this process's tests; those not in use kept per settings, each with the
    state it held when built."""

    def __init__(self, factory: Callable[[Settings], Litestar]) -> None:
        self._factory = factory
        self._idle: dict[Settings, list[tuple[Litestar, dict[str, Any]]]] = {}

    @asynccontextmanager
    async def client(self, settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
        """A test client of ``factory(settings)`` (started and stopped as usual), on an app built before when
        one is idle."""
        idle = self._idle.setdefault(settings, [])
        if idle:
            app, built_state = idle.pop()
            app.state.clear()
            app.state.update(built_state)
            configure_logging(settings.server.log_level)
        else:
            app = self._factory(settings)
            built_state = dict(app.state)
        try:
            async with AsyncTestClient(app) as client:
                yield client
        finally:
            idle.append((app, built_state))


_ISSUER_APPS = AppPool(create_app)
_VERIFY_APPS = AppPool(create_verify_app)


def issuer_client(settings: Settings) -> AbstractAsyncContextManager[AsyncTestClient[Litestar]]:
    """A test client of the all-in-one ``issuer.app.create_app(settings)``, on an app built before when one is
    idle."""
    return _ISSUER_APPS.client(settings)


def verify_client(settings: Settings) -> AbstractAsyncContextManager[AsyncTestClient[Litestar]]:
    """A test client of the stand-alone ``verify.app.create_app(settings)``, on an app built before when one is
    idle."""
    return _VERIFY_APPS.client(settings)


#: Parent of the key directories of :func:`fresh_key_dir` (one per test process).
_KEY_DIRS = Path(tempfile.mkdtemp(prefix="certreg-fixture-keys-"))


def fresh_key_dir(name: str = "keys") -> Path:
    """An empty key directory (not made yet, as ``tmp_path / "keys"`` of a new test) at the same path for every
    test of this process, so that settings naming it are equal and :func:`issuer_client` reuses their app.

    Its parent is emptied too (``certreg audit`` keeps its state beside the key directory), and the identity
    KEK this process opened from there is forgotten.
    """
    parent = _KEY_DIRS / name
    path = parent / "keys"
    forget_file(path / KEK_FILE_NAME)
    shutil.rmtree(parent, ignore_errors=True)
    parent.mkdir(mode=0o700)
    return path
