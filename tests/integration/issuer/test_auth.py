"""Issuer API tokens: created for an organisation and role, printed once, stored as a hash, revocable."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from litestar import get
from litestar.di import NamedDependency
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from issuer.app import create_app
from issuer.auth import Principal, Role, create_token, resolve_token, token_hash
from issuer.auth.policy import Action, authorise
from issuer.cli import main
from issuer.errors import Forbidden
from registry.db import Database
from registry.errors import NotFoundError
from registry.models import ApiToken
from tests.factories import CITY, PROVINCE, SKILL_INSTITUTION, seed_world
from tests.integration.cli.support import seed
from tests.support import make_settings


async def test_tokens_resolve_to_their_organisation_and_role(database: Database) -> None:
    await seed_world(database)
    async with database.transaction() as session:
        token = await create_token(session, org_code=SKILL_INSTITUTION, role=Role.INSTITUTION, label="机构")
        stored = (await session.scalars(select(ApiToken.token_hash))).all()
        assert stored == [token_hash(token)]  # only the hash is kept
        principal = await resolve_token(session, token)
        assert principal is not None
        assert (principal.org_code, principal.role) == (SKILL_INSTITUTION, Role.INSTITUTION)
        assert principal.actor.endswith(":institution:" + SKILL_INSTITUTION)
        assert await resolve_token(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert await resolve_token(session, "not-a-token") is None


@pytest.mark.parametrize(
    ("org", "role"),
    [("NOPE", Role.INSTITUTION), (SKILL_INSTITUTION, Role.CITY_REVIEWER), (CITY, Role.PROVINCE_ADMIN)],
)
async def test_a_token_needs_an_organisation_that_can_hold_the_role(database: Database, org: str, role: Role) -> None:
    await seed_world(database)
    with pytest.raises(NotFoundError):
        async with database.transaction() as session:
            await create_token(session, org_code=org, role=role)


def test_the_policy_names_who_may() -> None:
    principal = Principal.for_token(1, org_code=SKILL_INSTITUTION, role=Role.INSTITUTION)
    with pytest.raises(Forbidden, match="only for city_reviewer"):
        authorise(principal, Action.REVIEW)


@get("/whoami", sync_to_thread=False)
def whoami(principal: NamedDependency[Principal]) -> dict[str, str]:
    return {"org": principal.org_code, "role": principal.role.value}


async def test_missing_bad_and_revoked_tokens_get_401(db_url: str, database: Database) -> None:
    await seed_world(database)
    async with database.transaction() as session:
        token = await create_token(session, org_code=PROVINCE, role=Role.PROVINCE_ADMIN)
    app = create_app(make_settings(database_url=db_url))
    app.register(whoami)
    async with AsyncTestClient(app) as client:
        ok = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        missing = await client.get("/whoami")
        bad = await client.get("/whoami", headers={"Authorization": "Bearer crt_" + "x" * 43})
        async with database.transaction() as session:
            row = await session.scalar(select(ApiToken))
            assert row is not None
            from issuer.auth import revoke_token

            await revoke_token(session, row.id)
        revoked = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert ok.json() == {"org": PROVINCE, "role": "province_admin"}
    for response in (missing, bad, revoked):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "/" in response.json()["error"]  # Chinese / English


def test_tokens_create_prints_the_token_once(empty_db_url: str) -> None:
    seed(empty_db_url)
    env = {"CERTREG_DATABASE_URL": empty_db_url}
    result = CliRunner().invoke(main, ["tokens", "create", "--org", CITY, "--role", "city_reviewer"], env=env)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("crt_")
    bad = CliRunner().invoke(main, ["tokens", "create", "--org", "NOPE", "--role", "institution"], env=env)
    assert bad.exit_code == 2
    assert "no institution NOPE" in bad.output
