"""``certreg issue-batch`` and ``certreg certificates …``: the operator's path through the same services."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import select

from issuer.cli import main
from registry.certificates import status_of
from registry.db import Database
from registry.models import Certificate, CertificateCredential, Event, Filing, FilingStatusChange
from registry.vocab import CertificateStatus
from tests.factories import HOLDER_IDS, SKILL_INSTITUTION, add_keys, issue_test_certificates, key_store, seed_world
from tests.integration.issuing.batches import make_batch, rows_of
from tests.support import ID_HASH_KEY
from verify.cache.invalidation import channel, view_key


def _env(db_url: str, key_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "CERTREG_DATABASE_URL": db_url,
        "CERTREG_KEY_DIR": str(key_dir),
        "CERTREG_KEY_PASSPHRASE": "test-passphrase",
        "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        "CERTREG_REDIS_URL": "",
        **extra,
    }


def _prepare(db_url: str, key_dir: Path, rows: int = 3) -> int:
    async def seed() -> int:
        async with Database(db_url) as database:
            await seed_world(database)
            await add_keys(database, key_store(key_dir))
            return await make_batch(database, rows_of(rows))

    return asyncio.run(seed())


def test_issue_batch_prints_progress_and_a_summary_then_issues_nothing_twice(empty_db_url: str, tmp_path: Path) -> None:
    batch_id = _prepare(empty_db_url, tmp_path / "keys")
    env = _env(empty_db_url, tmp_path / "keys")
    first = CliRunner().invoke(main, ["issue-batch", str(batch_id), "--operator", "alice"], env=env)
    assert first.exit_code == 0, first.output
    assert f"issue-batch {batch_id}: store" in first.stderr
    assert "issued now" in first.stdout
    assert "3" in first.stdout
    second = CliRunner().invoke(main, ["issue-batch", str(batch_id)], env=env)
    assert second.exit_code == 0, second.output
    assert "already issued" in second.stdout

    async def actors() -> set[str]:
        async with Database(empty_db_url) as database, database.reader() as session:
            return set((await session.scalars(select(Event.actor).where(Event.kind == "batch.issued"))).all())

    assert asyncio.run(actors()) == {"cli:alice:province_admin:430000"}


def test_issue_batch_refuses_with_a_clear_message(empty_db_url: str, tmp_path: Path) -> None:
    batch_id = _prepare(empty_db_url, tmp_path / "keys")
    env = _env(empty_db_url, tmp_path / "keys")
    missing = CliRunner().invoke(main, ["issue-batch", "777"], env=env)
    assert missing.exit_code == 2
    assert "no batch 777" in missing.stderr

    async def revoke_filing() -> None:
        async with Database(empty_db_url) as database, database.transaction() as session:
            filing = await session.scalar(select(Filing.id).where(Filing.institution_code == SKILL_INSTITUTION))
            session.add(FilingStatusChange(filing_id=filing, status="suspended", effective_on=date(2025, 1, 1)))

    asyncio.run(revoke_filing())
    refused = CliRunner().invoke(main, ["issue-batch", str(batch_id)], env=env)
    assert refused.exit_code == 2
    assert "filing.suspended" in refused.stderr  # every row, with its rule
    assert "nothing was issued" in refused.stderr


@pytest.mark.redis
def test_certificate_commands_change_and_announce(
    empty_db_url: str, tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    key_dir = tmp_path / "keys"
    _prepare(empty_db_url, key_dir, rows=0)

    async def issue() -> list[str]:
        async with Database(empty_db_url) as database:
            made = await issue_test_certificates(
                database,
                key_store(key_dir),
                [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1]), ("王五", HOLDER_IDS[2])],
            )
            return [c.number for c in made]

    first, second, third = asyncio.run(issue())
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    pubsub.subscribe(channel(redis_prefix))
    pubsub.get_message(timeout=1)
    client.set(view_key(redis_prefix, first), b"stale")
    env = _env(empty_db_url, key_dir, CERTREG_REDIS_URL=redis_url, CERTREG_REDIS_PREFIX=redis_prefix)
    runner = CliRunner()
    revoked = runner.invoke(main, ["certificates", "revoke", first, "--reason", "伪造 / forged"], env=env)
    reissued = runner.invoke(main, ["certificates", "reissue", second, "--reason", "遗失 / lost"], env=env)
    replaced = runner.invoke(
        main, ["certificates", "replace", third, "--reason", "更正 / fix", "--name", "王伍", "--level", "四级"], env=env
    )
    bad = runner.invoke(main, ["certificates", "revoke", first, "--reason", "again"], env=env)
    for result in (revoked, reissued, replaced):
        assert result.exit_code == 0, result.output
    assert bad.exit_code == 2
    assert "revoked" in bad.stderr
    assert client.exists(view_key(redis_prefix, first)) == 0
    heard = [pubsub.get_message(ignore_subscribe_messages=True, timeout=2) for _ in range(3)]
    assert [m["data"].decode().split("\n")[0] for m in heard if m] == [first, second, third]

    async def check() -> tuple[CertificateStatus, CertificateStatus, str]:
        async with Database(empty_db_url) as database, database.reader() as session:
            new = await session.scalar(select(Certificate).where(Certificate.supersedes == third))
            assert new is not None
            return (
                (await status_of(session, first)).status,
                (await status_of(session, second)).status,
                f"{new.holder_name}:{new.level}",
            )

    assert asyncio.run(check()) == (CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED, "王伍:4")
    pubsub.close()
    client.close()


def test_a_replacement_refused_by_a_rule_says_which_rule(empty_db_url: str, tmp_path: Path) -> None:
    """`certreg certificates replace N --subject …` that rules 1–6 refuse said only "the corrected content cannot
    be issued": the problems the API answers in `errors` (which rule, which field) never reached the operator."""
    key_dir = tmp_path / "keys"
    _prepare(empty_db_url, key_dir, rows=0)

    async def issue() -> str:
        async with Database(empty_db_url) as database:
            made = await issue_test_certificates(database, key_store(key_dir), [("张三", HOLDER_IDS[0])])
            return made[0].number

    number = asyncio.run(issue())
    env = _env(empty_db_url, key_dir)
    refused = CliRunner().invoke(
        main, ["certificates", "replace", number, "--reason", "更正 / fix", "--subject", "6-31-01-99"], env=env
    )
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.stderr.split())
    assert "the corrected content cannot be issued" in said
    assert "subject_code" in said
    assert "catalogue.unknown" in said
    assert "6-31-01-99 is not in the catalogue" in said
    assert "Traceback" not in said


def test_credentials_backfill_signs_what_is_missing_once(empty_db_url: str, tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"

    async def older() -> list[str]:  # certificates from before credentials: none of them has one
        async with Database(empty_db_url) as database:
            await seed_world(database)
            store = key_store(key_dir)
            await add_keys(database, store)
            made = await issue_test_certificates(database, store, [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1])])
            return [c.number for c in made]

    async def credentials() -> dict[str, int]:
        async with Database(empty_db_url) as database, database.reader() as session:
            rows = await session.execute(select(CertificateCredential.number, CertificateCredential.status_value))
            return dict(rows.all())

    numbers = asyncio.run(older())
    env = _env(empty_db_url, key_dir)
    first = CliRunner().invoke(main, ["credentials", "backfill", "--chunk", "1"], env=env)
    assert first.exit_code == 0, first.output
    assert "credentials signed: 2" in first.stdout
    assert sorted(asyncio.run(credentials())) == sorted(numbers)
    again = CliRunner().invoke(main, ["credentials", "backfill"], env=env)
    assert "credentials signed: 0" in again.stdout
