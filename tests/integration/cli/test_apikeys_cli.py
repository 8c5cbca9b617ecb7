"""``certreg apikeys create|list|revoke``: the key is printed once, only its SHA-256 is stored, revocation
is stored and announced."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import select

from issuer.cli import main
from registry.db import Database
from registry.models import ApiKey
from verify.cache.invalidation import api_keys_channel


def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["apikeys", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def stored(url: str) -> list[ApiKey]:
    async def _read() -> list[ApiKey]:
        async with Database(url) as database, database.reader() as session:
            return list((await session.scalars(select(ApiKey).order_by(ApiKey.id))).all())

    return asyncio.run(_read())


def test_create_prints_the_key_once_and_stores_its_hash(empty_db_url: str) -> None:
    env = {"CERTREG_DATABASE_URL": empty_db_url}
    code, out, err = run("create", "--name", "某某人力资源公司", "--rate", "600", env=env)
    assert code == 0, err
    key = out.strip()
    assert key.startswith("crk_")
    assert len(key) > 40
    assert "仅显示一次 / shown once" in err
    (row,) = stored(empty_db_url)
    assert row.key_hash == hashlib.sha256(key.encode()).digest()
    assert row.name == "某某人力资源公司"
    assert row.rate_per_minute == 600
    assert row.revoked_at is None
    code, listing, _ = run("list", env=env)
    assert code == 0
    assert re.search(r"^1\s+某某人力资源公司\s+600/min\s+\d{4}-\d\d-\d\d\s+active$", listing, re.MULTILINE)
    assert key not in listing


@pytest.mark.redis
def test_revoke_stores_and_announces(empty_db_url: str, redis_url: str, redis_prefix: str) -> None:
    env = {"CERTREG_DATABASE_URL": empty_db_url, "CERTREG_REDIS_URL": redis_url, "CERTREG_REDIS_PREFIX": redis_prefix}
    assert run("create", "--name", "甲公司", env=env)[0] == 0
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    pubsub.subscribe(api_keys_channel(redis_prefix))
    pubsub.get_message(timeout=1)
    key_id = stored(empty_db_url)[0].id
    code, out, _ = run("revoke", str(key_id), env=env)
    assert code == 0
    assert f"revoked API key {key_id}" in out
    message = pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    assert message is not None
    assert message["data"] == str(key_id).encode()
    assert stored(empty_db_url)[0].revoked_at is not None
    again = run("revoke", str(key_id), env=env)
    assert again[0] == 2
    assert "already revoked" in again[2]
    missing = run("revoke", "9999", env=env)
    assert missing[0] == 2
    pubsub.close()
    client.close()


def test_a_name_is_required(empty_db_url: str) -> None:
    code, _, err = run("create", "--name", "  ", env={"CERTREG_DATABASE_URL": empty_db_url})
    assert code == 2
    assert "--name" in err
