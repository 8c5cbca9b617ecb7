"""``certreg apikeys create|list|revoke``: employer API keys for ``POST /v1/verify/batch``.

A key is printed once when it is created; the database keeps its SHA-256 only. Revoking a key stops it on
every verify worker at once when Redis is configured (an announcement on the API-key channel), otherwise
within ``CERTREG_API_KEY_CACHE_SECONDS``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.cli._common import (
    ROW_ID,
    console,
    echo_json_lines,
    err_console,
    in_session,
    json_option,
    open_database,
    run,
    settings_from_env,
)
from issuer.cli.options import short_text
from registry.errors import ConflictError
from registry.lookups import get_or_refuse
from registry.models import ApiKey
from verify.apikeys import generate_api_key, hash_api_key
from verify.cache.connect import redis_from_url
from verify.cache.invalidation import announce_api_key_revoked


@click.group("apikeys")
def apikeys_group() -> None:
    """用人单位 API 密钥 / employer API keys for batch verification."""


@apikeys_group.command("create")
@click.option(
    "--name",
    required=True,
    callback=short_text(128, required=True),
    help="密钥持有者（用人单位名称）/ who holds the key (an employer's name).",
)
@click.option(
    "--rate",
    type=click.IntRange(1, 10_000_000),
    help="每分钟查验次数（默认 CERTREG_API_RATE_PER_MINUTE）/ verifications per minute "
    "(default CERTREG_API_RATE_PER_MINUTE).",
)
def apikeys_create(name: str, rate: int | None) -> None:
    """新建 API 密钥（仅显示一次）/ Create a key and print it once: store it safely, it cannot be shown again."""
    settings = settings_from_env()
    key = generate_api_key()

    async def _create(session: AsyncSession) -> int:
        row = ApiKey(key_hash=hash_api_key(key), name=name, rate_per_minute=rate)
        session.add(row)
        await session.flush()
        return row.id

    key_id = in_session(settings, _create, write=True)
    err_console.print(f"新 API 密钥 / new API key {key_id} for {name.strip()} (仅显示一次 / shown once):")
    console.print(key)


@apikeys_group.command("list")
@json_option
def apikeys_list(as_json: bool) -> None:
    """列出 API 密钥（不显示密钥本身）/ list keys (id, name, limit, created, revoked); never the keys themselves."""
    settings = settings_from_env()

    async def _list(session: AsyncSession) -> list[tuple[int, str, int | None, datetime, datetime | None]]:
        rows = await session.execute(
            select(ApiKey.id, ApiKey.name, ApiKey.rate_per_minute, ApiKey.created_at, ApiKey.revoked_at).order_by(
                ApiKey.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    keys = in_session(settings, _list)
    if as_json:
        fields = ("id", "name", "rate_per_minute", "created_at", "revoked_at")
        echo_json_lines(
            {
                **dict(zip(fields, row, strict=True)),
                "rate_per_minute": row[2] or settings.rate_limits.api_rate_per_minute,
            }
            for row in keys
        )
        return
    for key_id, name, rate, created, revoked in keys:
        state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "active"
        console.print(
            f"{key_id}\t{name}\t{rate or settings.rate_limits.api_rate_per_minute}/min\t{created:%Y-%m-%d}\t{state}"
        )


@apikeys_group.command("revoke")
@click.argument("key_id", type=ROW_ID)
def apikeys_revoke(key_id: int) -> None:
    """吊销 API 密钥 / Revoke key KEY_ID: it stops working on every verify worker."""
    settings = settings_from_env()

    async def _revoke() -> bool:
        async with open_database(settings) as database, database.transaction() as session:
            row = await get_or_refuse(session, ApiKey, key_id, named=("API 密钥", "API key"))
            if row.revoked_at is not None:
                raise ConflictError(f"API 密钥 {key_id} 已吊销 / API key {key_id} is already revoked")
            row.revoked_at = datetime.now(UTC)
        if settings.redis.redis_url is None:
            return True
        client = redis_from_url(settings.redis.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return await announce_api_key_revoked(client, settings.redis.redis_prefix, key_id)
        finally:
            await client.aclose()

    announced = run(_revoke)
    console.print(f"已吊销 / revoked API key {key_id}")
    if not announced:
        err_console.print(
            f"注意：无法通知查验服务 / could not announce it on Redis; workers stop accepting it within "
            f"{settings.cache.api_key_cache_seconds} s"
        )


COMMANDS = [apikeys_group]
