"""Shared fixtures: the registry on SQLite *and* PostgreSQL, real Redis, settings for tests.

Services: PostgreSQL (``PG_TEST_URL``, default the local server's ``test`` database, used only to create a
database per xdist worker) and Redis (``REDIS_TEST_URL``). When a service is unreachable a test that needs
it is skipped on a developer machine and **fails** when ``CI=true``.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import itertools
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import settings
from sqlalchemy.ext.asyncio import create_async_engine

from registry.db import Database
from registry.schema import upgrade
from tests.support import drop_pg_database, empty_tables, migrated_pg_database, scratch_database

PG_ADMIN_URL = os.environ.get("PG_TEST_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
#: A hung test prints its asyncio tasks' stacks before pytest-timeout ends it.
pytest_plugins = ["tests.hang_report"]

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379")
IN_CI = os.environ.get("CI", "").lower() == "true"

#: Property tests judge what a function returns, never how fast: Hypothesis's default 200 ms deadline per
#: example failed them on a machine busy with other work (a full suite beside benches).
settings.register_profile("certreg", deadline=None)
settings.load_profile("certreg")


#: Every this many tests the frozen heap is thawed for one full pass: what was alive at a freeze and died
#: later (an idle app's old state, a module fixture's objects) would otherwise stay frozen, never collected.
FULL_PASS_EVERY = 200
_tests_since_full_pass = itertools.count(1)


#: The unit tests: they start no app and leave little garbage, so the collection before each test is not theirs.
UNIT_TESTS = Path(__file__).parent / "unit"


@pytest.fixture(autouse=True)
def _earlier_tests_collected_and_frozen(request: pytest.FixtureRequest) -> None:
    """Before each integration or browser test: collect what the tests before it left as garbage, then freeze
    what survives (modules, collected tests, session fixtures) out of the collector's later passes, as a server
    worker freezes its app.

    Each pass then walks only what the one test before made: the app start-up's own collection
    (:meth:`verify.runtime.VerifyRuntime.start`) had walked the whole process every time, ~0.25 s of CPU per
    app and the largest part of the suite's time. Collecting here, not at random moments during a test, keeps
    finalizers of earlier tests' objects away from the test's event loops.

    Not before a unit test (half the suite's tests, most of them a few milliseconds long): the pass cost them
    ~12 % of their CPU, and what they leave is collected before the next integration test.
    """
    if request.node.path.is_relative_to(UNIT_TESTS):
        return
    full_pass = next(_tests_since_full_pass) % FULL_PASS_EVERY == 0
    if full_pass:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
    if full_pass or _RUNTIME_GC.frozen_at_least == 0:
        _RUNTIME_GC.frozen_at_least = gc.get_freeze_count()


class _FrozenHeapGc:
    """The ``gc`` module as :mod:`verify.runtime` sees it in this suite: the module itself, but for a freeze count
    known here instead of counted at every app start.

    :meth:`verify.runtime.VerifyRuntime.start` asks only whether the heap is frozen (``get_freeze_count() == 0``:
    then it freezes it, and its ``close()`` thaws it). CPython 3.11 answers by walking the frozen list, and before
    each test :func:`_earlier_tests_collected_and_frozen` freezes the whole process (~0.3–1.6M objects): each app
    start walked them, 0.05–0.3 s, ~15% of the integration tests' CPU (py-spy; suite time, DEVELOPERS.md). The
    count only grows between the fixture's full passes (nothing in a test thaws a heap it did not freeze), so the
    count taken at the first freeze and after each full pass is a true lower bound, and the same answer to the
    runtime's question.
    """

    frozen_at_least = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(gc, name)

    def get_freeze_count(self) -> int:
        return self.frozen_at_least


_RUNTIME_GC = _FrozenHeapGc()


@pytest.fixture(autouse=True, scope="session")
def _runtime_reads_the_known_freeze_count() -> Iterator[None]:
    """:mod:`verify.runtime` reads the freeze count kept by :class:`_FrozenHeapGc`."""
    import verify.runtime

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify.runtime, "gc", _RUNTIME_GC)
        yield


@pytest.fixture(autouse=True)
def _no_certreg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's CERTREG_* variables (e.g. the demo ones of `make run`)."""
    for name in list(os.environ):
        if name.startswith("CERTREG_"):
            monkeypatch.delenv(name)


def require_service(name: str, url: str) -> None:
    """Skip (fail under CI=true) unless a TCP connection to ``url``'s host and port succeeds."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=2):
            return
    except OSError as exc:
        message = f"{name} is not reachable at {parts.hostname}:{parts.port}: {exc}"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)


def worker_id(config: pytest.Config) -> str:
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


def run_id(config: pytest.Config) -> str:
    """Names this checkout's and worker's databases, so two checkouts testing at once never collide."""
    checkout = hashlib.sha256(str(config.rootpath).encode()).hexdigest()[:6]
    return f"{checkout}_{worker_id(config)}"


#: Test modules whose tests share module-scoped fixtures (a Chromium, a server, the console journey's batch).
SHARED_FIXTURE_MODULES = "tests/browser/"


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadgroup``, with each browser module one unit of work on one worker.

    xdist's own ``xdist_group`` marks do nothing with pytest 9 (xdist 3.8 renames ``item._nodeid``; pytest 9
    reads ``item._id``), so every test was its own unit: a browser module spread over both workers started
    its Chromium and server twice, and the console screens' second test re-ran the whole journey on the
    worker that had not run it. Every other test is still a unit of its own (the best balance).
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

    class ModuleGroups(LoadGroupScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.startswith(SHARED_FIXTURE_MODULES) else str(super()._split_scope(nodeid))

    return ModuleGroups(config, log)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that passed no test at all is a failure, not a success."""
    if hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter is not None else 0
    if exitstatus == 0 and passed == 0:
        session.exitstatus = 1
        if reporter is not None:
            reporter.write_line("no test passed: a run that executes no test fails", red=True)


@pytest.fixture(scope="session")
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated PostgreSQL database of this xdist worker's own, dropped at the end."""
    require_service("PostgreSQL", PG_ADMIN_URL)
    name = f"certreg_test_{run_id(request.config)}"
    url = asyncio.run(migrated_pg_database(PG_ADMIN_URL, name))
    yield url
    asyncio.run(drop_pg_database(PG_ADMIN_URL, name))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database file of this worker's own."""
    path: Path = tmp_path_factory.mktemp("sqlite") / "certreg.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_migrate(url))
    return url


async def _migrate(url: str) -> None:
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database: every test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(request.getfixturevalue("sqlite_url"))


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """A :class:`Database` on empty tables; emptied again afterwards."""
    async with scratch_database(db_url) as db:
        yield db


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Real Redis, on a database number of this worker's own, flushed before and after the test."""
    import redis

    require_service("Redis", REDIS_URL)
    worker = worker_id(request.config)
    number = 1 + (int(worker[2:]) if worker.startswith("gw") else 14)
    url = f"{REDIS_URL}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def redis_prefix(request: pytest.FixtureRequest) -> str:
    """Key and channel prefix of this worker (pub/sub channels are shared by every Redis database)."""
    return f"certreg-test-{run_id(request.config)}"


async def _empty(url: str) -> None:
    async with Database(url) as db:
        await empty_tables(db)


@pytest.fixture
def empty_db_url(db_url: str) -> Iterator[str]:
    """``db_url`` with empty tables, for sync tests such as CLI runs (which start their own event loop)."""
    asyncio.run(_empty(db_url))
    try:
        yield db_url
    finally:
        asyncio.run(_empty(db_url))
