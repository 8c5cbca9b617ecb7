"""A small registry for the read-path tests: a valid, a revoked, a superseded certificate and its
successor, plus tokens the registry never issued (forged, unknown number, altered statement)."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from issuer.keystore import KeyStore, signer_for
from keys.signing import SigningKey
from registry.certificates import revoke, superseded_event
from registry.config import Settings
from registry.db import Database
from registry.events import EventKind, append_events
from registry.keyring import load_keyset
from registry.qrtoken import encode_token
from registry.statement import decode_statement, encode_statement, sign_statement
from tests import support_apps
from tests.factories import CITY, HOLDER_IDS, TestCertificate, add_keys, issue_test_certificates, key_store, seed_world
from tests.support import make_settings
from verify.app import create_app
from verify.runtime import STATE_KEY, VerifyRuntime

REVOKE_REASON = "以欺骗手段取得证书 / obtained by deception"


@dataclass(frozen=True)
class World:
    database: Database
    store: KeyStore
    valid: TestCertificate
    revoked: TestCertificate
    superseded: TestCertificate
    successor: TestCertificate


async def build_world(database: Database, key_dir: Path) -> World:
    """Seed the registry and issue the four certificates (statuses set as the write path would)."""
    await seed_world(database)
    store = key_store(key_dir)
    await add_keys(database, store)
    valid, revoked, superseded = await issue_test_certificates(
        database, store, [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1]), ("王五", HOLDER_IDS[2])]
    )
    (successor,) = await issue_test_certificates(
        database, store, [("王五", HOLDER_IDS[2])], supersedes=superseded.number
    )
    async with database.transaction() as session:
        await revoke(session, revoked.number, reason=REVOKE_REASON, actor="test")
        await append_events(
            session,
            [
                superseded_event(
                    superseded.number,
                    successor.number,
                    kind=EventKind.CERTIFICATE_REISSUED,
                    reason="遗失补发",
                    actor="test",
                )
            ],
        )
    return World(database, store, valid, revoked, superseded, successor)


async def signer(world: World) -> SigningKey:
    async with world.database.reader() as session:
        return signer_for(await load_keyset(session), world.store, CITY)


async def altered_token(world: World, base: TestCertificate, **changes: object) -> str:
    """A token validly signed by the city's key over ``base``'s statement with ``changes`` applied (a
    statement the registry never issued)."""
    statement = msgspec.structs.replace(decode_statement(base.statement), **changes)
    key = await signer(world)
    return encode_token(encode_statement(statement), sign_statement(statement, key))


def flip(token: str, position: int) -> str:
    """``token`` with one base32 character changed (still upper-case base32)."""
    replacement = "B" if token[position] != "B" else "C"
    return token[:position] + replacement + token[position + 1 :]


def verify_settings(database_url: str, **settings: object) -> Settings:
    """Settings of the stand-alone verify app on ``database_url`` (limits out of reach unless given)."""
    base: dict[str, object] = {"public_rate_per_minute": 100_000, "api_rate_per_minute": 100_000}
    return make_settings(database_url=database_url, **(base | settings))


def verify_app(database_url: str, **settings: object) -> Litestar:
    """A new stand-alone verify app on ``database_url``, for a test that serves the app itself, or whose
    settings no other test shares (a path under its own ``tmp_path``); else :func:`verify_client`."""
    return create_app(verify_settings(database_url, **settings))


def verify_client(database_url: str, **settings: object) -> AbstractAsyncContextManager[AsyncTestClient[Litestar]]:
    """A test client of ``verify_app(database_url, **settings)``, on an app an earlier test built on equal
    settings when one is idle, with none of that test's runtime, caches, metrics or rate limits
    (:mod:`tests.support_apps`). Two clients open at once are two apps: two workers."""
    return support_apps.verify_client(verify_settings(database_url, **settings))


def now() -> datetime:
    return datetime.now(UTC)


def runtime_of(app: Litestar) -> VerifyRuntime:
    """The verify runtime a started app of :func:`verify_app` or :func:`verify_client` keeps in its state (its
    caches and metrics)."""
    runtime = app.state[STATE_KEY]
    assert isinstance(runtime, VerifyRuntime)
    return runtime


async def cache_on(app: Litestar, within: float = 3.0) -> None:
    """Wait until the in-process cache is trusted (with Redis: once the subscriber has subscribed); fails
    when it is not on ``within`` seconds."""
    runtime = runtime_of(app)
    for _ in range(round(within * 100)):
        if runtime.cache.active:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the in-process cache never came on")
