"""The all-in-one app of a test's fixture, built once per settings and test process, and the key directory
that lets fixtures' settings be the same from one test to the next.

Building the app costs ~0.2 s of CPU (Litestar copies and inspects every route handler of every app it
builds), which every test that asked a fixture for a client paid again (suite time, DEVELOPERS.md). An app is
the same between lifespans but for ``app.state``, where the lifespan puts its runtimes and the console its
own on first use: when an app is handed out again its state goes back to what it held when built, so a test
starts with the runtimes of its own lifespan, never the last test's; and the process's logging is set again,
as a new build does. An app serves one client at a time: a second client on the same settings while the
first is open gets an app of its own.

    async with issuer_client(settings) as client:   # instead of AsyncTestClient(create_app(settings))
        ...
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from issuer.app import create_app
from issuer.identity.kek import KEK_FILE_NAME, forget_file
from registry.config import Settings
from registry.observability.logs import configure_logging

#: Apps not in use, per settings, with the state each held when built.
_IDLE: dict[Settings, list[tuple[Litestar, dict[str, Any]]]] = {}

#: Parent of the key directories of :func:`fresh_key_dir` (one per test process).
_KEY_DIRS = Path(tempfile.mkdtemp(prefix="certreg-fixture-keys-"))


@asynccontextmanager
async def issuer_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A test client of ``create_app(settings)`` (started and stopped as usual), on an app built before when
    one is idle."""
    idle = _IDLE.setdefault(settings, [])
    if idle:
        app, built_state = idle.pop()
        app.state.clear()
        app.state.update(built_state)
        configure_logging(settings.server.log_level)
    else:
        app = create_app(settings)
        built_state = dict(app.state)
    try:
        async with AsyncTestClient(app) as client:
            yield client
    finally:
        idle.append((app, built_state))


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
