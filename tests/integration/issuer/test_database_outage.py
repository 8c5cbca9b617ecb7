"""The database of the issuer goes away (its server stopped for real): an API route and a console page answer
503 with Retry-After and a message in both languages, and the log names the route, never what was sent
(DEVELOPERS.md: never a 500)."""

from __future__ import annotations

import logging

import pytest
from litestar.testing import AsyncTestClient

from issuer.app import create_app
from issuer.auth.tokens import _TOKEN_LENGTH, TOKEN_PREFIX
from issuer.console.session import SESSION_COOKIE
from tests.integration.issuer.private_postgres import private_postgres
from tests.support import make_settings, migrated_pg_database

pytestmark = pytest.mark.postgres

TOKEN = TOKEN_PREFIX + "a" * (_TOKEN_LENGTH - len(TOKEN_PREFIX))  # well-formed: the database is asked
SESSION = "s3ss10n-" + "z" * 30


async def test_a_stopped_database_is_a_503_on_the_api_and_the_console(caplog: pytest.LogCaptureFixture) -> None:
    with private_postgres() as server:
        url = await migrated_pg_database(server.admin_url, "certreg")
        app = create_app(make_settings(database_url=url, retry_after_seconds=7))
        async with AsyncTestClient(app) as client:
            up = await client.get("/v1/batches", headers={"Authorization": f"Bearer {TOKEN[:-1]}b"})
            server.stop()
            client.cookies.set(SESSION_COOKIE, SESSION)
            with caplog.at_level(logging.WARNING):
                api = await client.get("/v1/batches", headers={"Authorization": f"Bearer {TOKEN}"})
                again = await client.get("/v1/batches", headers={"Authorization": f"Bearer {TOKEN}"})
                page = await client.get("/console/")
    assert up.status_code == 401, "the token is unknown while the database is up"
    for answer in (api, again):
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "7"
        assert answer.headers["content-type"].startswith("application/problem+json")
        body = answer.json()
        assert body["status"] == 503
        assert body["message_zh"] == "数据库暂时不可用，请稍后重试"
        assert body["message_en"] == "the database is unavailable right now; retry later"
    assert page.status_code == 503, page.text
    assert page.headers["retry-after"] == "7"
    assert page.headers["content-type"].startswith("text/html")
    assert "数据库暂时不可用" in page.text
    assert "the database is unavailable" in page.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "database unavailable on GET /v1/batches" in logged
    assert "database unavailable on GET /console" in logged
    for secret in (TOKEN, SESSION, "127.0.0.1"):
        assert secret not in logged, secret
    assert "Traceback" not in caplog.text


async def test_a_database_on_a_closed_port_is_a_503_not_a_500() -> None:
    with private_postgres() as server:
        url = await migrated_pg_database(server.admin_url, "certreg")
        app = create_app(make_settings(database_url=url))
        async with AsyncTestClient(app) as client:
            server.stop()  # nothing listens on the port any more: every connection is refused
            await app.state["issuer"].database.dispose()  # no pooled connection left to fail differently
            answer = await client.get("/v1/batches/1", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["error"] == "数据库暂时不可用，请稍后重试 / the database is unavailable right now; retry later"
