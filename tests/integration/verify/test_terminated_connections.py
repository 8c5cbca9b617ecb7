"""The database is up but its server ends the app's connections (a pooler restarting, a failover, an
administrator's pg_terminate_backend): the read is retried once on a fresh connection, never a 503
(issue 10, item 12a). A 503 stays for a database that is really unreachable (test_database_down.py).

The verify app runs as a real server process, so that its reads are in flight while the test ends them.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import PG_ADMIN_URL
from tests.integration.verify.servers import Server
from tests.integration.verify.world import World

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

#: Well-formed numbers that were never issued, so every look-up is a miss that reads the database.
FRESH = [f"S0000430001012639{n:05d}" for n in range(10_000, 10_400)]
OTHERS = "datname = :n AND pid <> pg_backend_pid() AND pid <> :keep"
WAITING = text(f"SELECT count(*) FROM pg_stat_activity WHERE {OTHERS} AND wait_event_type = 'Lock'")
END_WAITING = text(
    f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {OTHERS} AND wait_event_type = 'Lock'"
)
END_ALL = text(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {OTHERS}")


async def test_connections_ended_while_reading_or_idle_cost_no_503(pg_world: World) -> None:
    """Reads wait on a lock the test holds, their sessions are ended, the lock is released: each read is
    answered from a fresh connection. Then every idle pooled connection is ended between requests."""
    name = pg_world.database.url.rsplit("/", 1)[1]
    await pg_world.database.dispose()
    admin = create_async_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, isolation_level="AUTOCOMMIT")
    numbers = iter(FRESH)
    statuses: list[int] = []
    settings = {"database_url": pg_world.database.url, "public_rate_per_minute": 1_000_000, "log_level": "WARNING"}
    try:
        with Server(**settings, db_timeout_seconds=10) as server:
            async with admin.connect() as locker, admin.connect() as killer, httpx.AsyncClient() as client:
                ours = {"n": name, "keep": await locker.scalar(text("SELECT pg_backend_pid()"))}

                async def ask(number: str) -> None:
                    body = {"number": number, "name": "张三"}
                    statuses.append((await client.post(f"{server.url}/v1/verify", json=body, timeout=30)).status_code)

                for _ in range(3):
                    await locker.execute(text("BEGIN"))
                    await locker.execute(text("LOCK TABLE certificate IN ACCESS EXCLUSIVE MODE"))
                    reads = [asyncio.create_task(ask(next(numbers))) for _ in range(4)]
                    for _ in range(500):  # until the reads wait on the lock
                        if await killer.scalar(WAITING, ours):
                            break
                        await asyncio.sleep(0.01)
                    else:
                        raise AssertionError("the reads never reached the database")
                    assert await killer.scalar(END_WAITING, ours), "no waiting read was ended"
                    await locker.execute(text("COMMIT"))
                    await asyncio.gather(*reads)
                    await ask(next(numbers))  # leaves a connection idle in the pool
                    assert await killer.scalar(END_ALL, ours), "no idle connection was ended"
                    await ask(next(numbers))
    finally:
        await admin.dispose()
    assert statuses.count(503) == 0, f"{statuses.count(503)} of {len(statuses)} answers were 503"
    assert set(statuses) == {200}
