"""Liveness and readiness: ``/health/live`` (the process answers) and ``/health/ready`` (it can serve).

Ready means the database answers (its schema revision was checked at start-up, and only changes with a
deployment, which restarts the process). Redis is a cache: when it is down the
service still answers (from the database), so readiness reports it as degraded but stays 200.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Response
from litestar.di import NamedDependency
from sqlalchemy import text

from verify.http.head import get
from verify.runtime import VerifyRuntime


class Readiness(msgspec.Struct):
    status: str  # "ready" or "unavailable"
    database: str
    cache: str


class HealthController(Controller):
    path = "/health"
    include_in_schema = False

    @get("/live")
    async def live(self) -> dict[str, str]:
        return {"status": "alive"}

    @get("/ready")
    async def ready(self, runtime: NamedDependency[VerifyRuntime]) -> Response[Readiness]:
        database = await _database_state(runtime)
        cache = await _cache_state(runtime)
        ok = database == "ok"
        return Response(
            Readiness(status="ready" if ok else "unavailable", database=database, cache=cache),
            status_code=200 if ok else 503,
            headers={} if ok else {"Retry-After": "5"},
        )


async def _database_state(runtime: VerifyRuntime) -> str:
    try:
        async with runtime.database.reader() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as data
        return f"error: {type(exc).__name__}: {str(exc)[:200]}"
    return "ok"


async def _cache_state(runtime: VerifyRuntime) -> str:
    if runtime.redis is None:
        return "in-process"
    try:
        await runtime.redis.ping()
    except Exception as exc:  # noqa: BLE001 - Redis down is a degraded state, not a failure
        return f"redis unavailable ({type(exc).__name__}); serving from the database"
    return "redis ok"
