"""Province scale, through HTTP: does a registry of 1,000,000 certificates cost what an empty one costs?

Builds (once) or reuses a bench registry of ``--size`` certificates issued through the real issuing path
(:func:`issuer.issuing.service.issue_batch`, batches of 100,000 rotating over levels 2–5 so no number scope
nears its maximum), kept in a PostgreSQL database marked as a bench registry (``--db-name``, never dropped:
:mod:`bench.database`) with its signing keys in ``--key-dir``. Then, each against a floor measured in the
same run:

* ``upload_issue_growth``: a ``--growth``-row CSV uploaded (``POST /v1/batches``), reviewed, approved,
  noticed and issued (``POST …/issue``) through the issuer served by uvicorn, on the big registry ÷ the same on
  an empty one (a scratch database, dropped at the end). The notice's seven days are skipped by one UPDATE,
  as in the end-to-end test; only the upload and the issue requests are timed. Target ≤ 1.3.
* ``miss_random_1m_ratio``: ``POST /v1/verify`` with both caches off for certificates drawn at random from
  the whole registry (wrk, 64 connections) ÷ a bare litestar route of the same server (bench/verify.py's
  floor). Target ≥ 0.15.
* ``export_ratio``: ``GET /v1/exports/certificates`` lines/s ÷ raw asyncpg reading the same columns of the
  same rows and encoding each line with msgspec. Target ≥ 0.6.
* ``audit_ratio``: bare PyNaCl verification of every statement on one core (seconds) ÷ ``run_audit`` on
  every core (seconds). Target ≥ 1.0.

A table, then the last line: ``{"upload_issue_growth": …, "export_ratio": …, "audit_ratio": …,
"miss_random_1m_ratio": …}``. Run: ``.venv/bin/python -m bench.scale --db-name certreg_bench_h5``
(``--only growth,miss,export,audit`` to run some; the first run builds the registry: minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import httpx
import msgspec
import nacl.signing
from sqlalchemy import func, select, text, update

from bench.database import ScratchDatabase, add_arguments, free_port, reusable_database, scratch_name
from bench.servers import UvicornServer
from bench.verify import Server as VerifyServer
from bench.verify import _post_body, sample_certificates
from bench.wrk import require_wrk, run_wrk
from issuer.auth import Principal, Role, create_token
from issuer.checkpoints import publish_checkpoint
from issuer.issuing.service import issue_batch
from registry.audit.run import run_audit
from registry.db import Database
from registry.models import Batch, Certificate, PublicKey
from registry.rules.profiles import HUNAN
from registry.statement import DOMAIN
from tests.factories import CITY, ELECTRICIAN, PROVINCE, SKILL_INSTITUTION, add_keys, key_store, seed_world
from tests.integration.batches.helpers import resident_id
from tests.integration.issuing.batches import Row, make_batch
from tests.integration.log.tampering import log_seeded_filings
from tests.support import ID_HASH_KEY, make_settings

ORIGIN: Final = "bench.example/log"
BUILD_BATCH: Final = 100_000
GROWTH_FILE: Final = "scale-growth.csv"
ROLES: Final = {
    Role.INSTITUTION: SKILL_INSTITUTION,
    Role.CITY_REVIEWER: CITY,
    Role.PROVINCE_REVIEWER: PROVINCE,
    Role.PROVINCE_ADMIN: PROVINCE,
}

BENCH_OPERATOR = Principal.for_operator("bench", role=Role.PROVINCE_ADMIN, org_code="430000")


async def certificate_count(database: Database) -> int:
    async with database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(Certificate)) or 0)


async def build(url: str, key_dir: Path, size: int, *, fresh: bool) -> None:
    """Seed (when fresh) and issue certificates until the registry holds ``size``; sign a checkpoint."""
    database = Database(url)
    store = key_store(key_dir)
    try:
        if fresh:
            await seed_world(database)
            await log_seeded_filings(database)  # so that the audit finds nothing to report
            await add_keys(database, store)
        have = await certificate_count(database)
        while have < size:
            count = min(BUILD_BATCH, size - have)
            rows = [Row(name=f"基{have + i:07d}", level=2 + (have // BUILD_BATCH) % 4) for i in range(count)]
            batch = await make_batch(database, rows)
            started = time.perf_counter()
            await issue_batch(
                database,
                store,
                HUNAN,
                batch,
                caller=BENCH_OPERATOR,
            )
            have += count
            print(f"  registry: {have:,} certificates ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        await publish_checkpoint(database, store, make_settings(log_origin=ORIGIN))
    finally:
        await database.dispose()


class IssuerServer(UvicornServer):
    """``uvicorn issuer.asgi:app`` (the all-in-one service) on ``url`` with the bench keys."""

    def __init__(self, url: str, key_dir: Path, port: int) -> None:
        env = {
            "CERTREG_DATABASE_URL": url,
            "CERTREG_KEY_DIR": str(key_dir),
            "CERTREG_KEY_PASSPHRASE": "test-passphrase",
            "CERTREG_KEY_KDF": "insecure-test-only",
            "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
            "CERTREG_LOG_ORIGIN": ORIGIN,
            "CERTREG_LOG_LEVEL": "WARNING",
            "CERTREG_REDIS_CACHE": "false",
        }
        super().__init__("issuer.asgi:app", port, env, start_seconds=60)


async def tokens(database: Database) -> dict[Role, dict[str, str]]:
    async with database.transaction() as session:
        made = {role: await create_token(session, org_code=org, role=role) for role, org in ROLES.items()}
    return {role: {"Authorization": f"Bearer {token}"} for role, token in made.items()}


def growth_csv(rows: int, start: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("姓名", "身份证号", "职业编码", "等级"))
    writer.writerows(("张三丰", resident_id(n), ELECTRICIAN, "3") for n in range(start, start + rows))
    return out.getvalue().encode()


async def upload_and_issue(url: str, key_dir: Path, port: int, rows: int) -> dict[str, float]:
    """Seconds of the upload and of the issue request of a ``rows``-row batch of people new to ``url``."""
    async with Database(url) as database:
        headers = await tokens(database)
        async with database.reader() as session:
            earlier = int(
                await session.scalar(select(func.count()).select_from(Batch).where(Batch.file_name == GROWTH_FILE)) or 0
            )
        data = growth_csv(rows, earlier * rows)
        server = IssuerServer(url, key_dir, port)
        try:
            async with httpx.AsyncClient(base_url=server.base, timeout=600) as client:
                started = time.perf_counter()
                answer = await client.post(
                    "/v1/batches",
                    files={"file": (GROWTH_FILE, data)},
                    data={"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"},
                    headers=headers[Role.INSTITUTION],
                )
                upload = time.perf_counter() - started
                assert answer.status_code == 201, answer.text[:500]
                batch_id = answer.json()["batch"]["id"]
                approve = {"decision": "approve", "reason": "材料齐全 / complete"}
                for step, body, role in (
                    ("review", approve, Role.CITY_REVIEWER),
                    ("approve", approve, Role.PROVINCE_REVIEWER),
                    ("notice", {}, Role.INSTITUTION),
                ):
                    done = await client.post(f"/v1/batches/{batch_id}/{step}", json=body, headers=headers[role])
                    assert done.status_code in (200, 201), (step, done.text[:500])
                async with database.transaction() as session:  # the seven days of notice, skipped
                    await session.execute(
                        update(Batch)
                        .where(Batch.id == batch_id)
                        .values(notice_ends_at=func.now() - text("interval '1 second'"))
                    )
                started = time.perf_counter()
                issued = await client.post(f"/v1/batches/{batch_id}/issue", headers=headers[Role.PROVINCE_ADMIN])
                issue = time.perf_counter() - started
                assert issued.status_code == 200, issued.text[:500]
        finally:
            server.stop()
    return {"upload": upload, "issue": issue, "total": upload + issue}


def random_miss(url: str, port: int, seconds: int) -> dict[str, float]:
    """wrk: the bare floor route and random-number ``/v1/verify`` look-ups with both caches off."""
    sample = asyncio.run(sample_certificates(url, 20_000))
    server = VerifyServer(url, port, local_cache="false", redis_cache="false")
    base = f"http://127.0.0.1:{port}"
    try:
        floor = run_wrk(f"{base}/bench/floor", seconds=seconds)
        miss = run_wrk(f"{base}/v1/verify", seconds=seconds, bodies=[_post_body(c) for c in sample])
    finally:
        server.stop()
    return {"floor_rps": floor.rps, "miss_rps": miss.rps, "miss_p99_ms": miss.p99_ms}


_RAW_EXPORT: Final = """
SELECT e.idx, e.kind, e.at, e.reason, c.number, c.kind, c.holder_name, c.holder_id_masked, c.subject_type,
       c.subject_code, c.level, c.institution_code, c.authority_code, c.assessed_on, c.issued_on, c.supersedes
FROM event e JOIN certificate c ON c.number = e.subject
WHERE e.kind LIKE 'certificate.%' ORDER BY e.idx
"""
_FIELDS: Final = (
    "event_id", "event", "at", "reason", "number", "kind", "holder_name", "holder_id_masked", "subject_type",
    "subject_code", "level", "institution_code", "authority_code", "assessed_on", "issued_on", "supersedes",
)  # fmt: skip


async def raw_export(url: str) -> tuple[int, float]:
    """(lines, seconds) of the floor: asyncpg streaming the columns a line needs, msgspec encoding each."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    encode = msgspec.json.Encoder().encode
    lines = 0
    try:
        started = time.perf_counter()
        async with conn.transaction():
            async for record in conn.cursor(_RAW_EXPORT, prefetch=2000):
                encode(dict(zip(_FIELDS, record, strict=True)))
                lines += 1
        return lines, time.perf_counter() - started
    finally:
        await conn.close()


async def http_export(url: str, key_dir: Path, port: int) -> tuple[int, float]:
    """(lines, seconds) of ``GET /v1/exports/certificates`` streamed to the end."""
    async with Database(url) as database:
        headers = (await tokens(database))[Role.PROVINCE_ADMIN]
    server = IssuerServer(url, key_dir, port)
    try:
        lines = 0
        async with httpx.AsyncClient(base_url=server.base, timeout=3600) as client:
            started = time.perf_counter()
            async with client.stream("GET", "/v1/exports/certificates", headers=headers) as response:
                assert response.status_code == 200, response.status_code
                async for chunk in response.aiter_bytes():
                    lines += chunk.count(b"\n")
            return lines, time.perf_counter() - started
    finally:
        server.stop()


async def bare_verify_seconds(url: str) -> tuple[int, float]:
    """(statements, seconds) of verifying every certificate's signature with bare PyNaCl on one core (the
    rows are read first; only the verification loop is timed)."""
    async with Database(url) as database, database.reader() as session:
        keys = {
            kid: nacl.signing.VerifyKey(raw)
            for kid, raw in await session.execute(select(PublicKey.kid, PublicKey.public_key))
        }
        rows = (await session.execute(select(Certificate.kid, Certificate.statement, Certificate.signature))).all()
    started = time.perf_counter()
    for kid, statement, signature in rows:
        keys[kid].verify(DOMAIN + statement, signature)
    return len(rows), time.perf_counter() - started


async def audit_seconds(url: str) -> tuple[bool, float]:
    async with Database(url) as database:
        started = time.perf_counter()
        report = await run_audit(database, ORIGIN)
        return report.clean, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_arguments(parser, default_name="certreg_bench_scale")
    parser.add_argument("--size", type=int, default=1_000_000, help="certificates in the bench registry")
    parser.add_argument("--growth", type=int, default=10_000, help="rows of the timed upload + issue")
    parser.add_argument("--seconds", type=int, default=8, help="wrk seconds per run")
    parser.add_argument("--key-dir", default="", help="the registry's keys (default: next to the temp dir)")
    parser.add_argument("--only", default="growth,miss,export,audit")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "miss" in only:
        require_wrk()  # before minutes of building, not after
    key_dir = Path(args.key_dir or Path(tempfile.gettempdir()) / f"{args.db_name}-keys")
    if key_dir.exists() and key_dir.stat().st_mode & 0o077:
        # checked before the database is made: a run that failed here would leave one without keys
        sys.exit(f"{key_dir} must be mode 0700 (chmod 700 {key_dir})")
    url, fresh = asyncio.run(reusable_database(args.pg_admin_url, args.db_name))
    if not fresh and not key_dir.exists():
        sys.exit(f"{args.db_name} exists but its keys are not in {key_dir}: pass --key-dir")
    asyncio.run(build(url, key_dir, args.size, fresh=fresh))
    size = asyncio.run(certificate_count(Database(url)))
    port = free_port(args.port)
    found: dict[str, Any] = {"certificates": size}
    if "growth" in only:
        scratch = ScratchDatabase(args.pg_admin_url, scratch_name("certreg_bench_scale_empty"))
        empty_keys = Path(tempfile.mkdtemp(prefix="certreg-bench-empty-"))
        try:
            empty = asyncio.run(scratch.create())
            asyncio.run(build(empty, empty_keys, 0, fresh=True))
            found["growth_empty"] = asyncio.run(upload_and_issue(empty, empty_keys, port, args.growth))
        finally:
            asyncio.run(scratch.drop())
        found["growth_big"] = asyncio.run(upload_and_issue(url, key_dir, port, args.growth))
    if "miss" in only:
        found["miss"] = random_miss(url, port, args.seconds)
    if "export" in only:
        found["export_raw"] = asyncio.run(raw_export(url))
        found["export_http"] = asyncio.run(http_export(url, key_dir, port))
    if "audit" in only:
        found["bare_verify"] = asyncio.run(bare_verify_seconds(url))
        found["audit"] = asyncio.run(audit_seconds(url))
    report(found)


def report(found: dict[str, Any]) -> None:
    print(f"registry: {found['certificates']:,} certificates (PostgreSQL, one uvicorn worker; shared machine)")
    result: dict[str, float | None] = dict.fromkeys(
        ("upload_issue_growth", "export_ratio", "audit_ratio", "miss_random_1m_ratio")
    )
    if "growth_big" in found:
        empty, big = found["growth_empty"], found["growth_big"]
        for name in ("upload", "issue", "total"):
            print(f"  {name:>6} of the growth batch: empty {empty[name]:7.2f} s   big {big[name]:7.2f} s")
        result["upload_issue_growth"] = round(big["total"] / empty["total"], 3)
    if "miss" in found:
        miss = found["miss"]
        print(
            f"  floor {miss['floor_rps']:.0f} req/s   random miss {miss['miss_rps']:.0f} req/s "
            f"(p99 {miss['miss_p99_ms']:.1f} ms)"
        )
        result["miss_random_1m_ratio"] = round(miss["miss_rps"] / miss["floor_rps"], 3)
    if "export_http" in found:
        (raw_lines, raw_s), (lines, seconds) = found["export_raw"], found["export_http"]
        print(
            f"  export: {lines:,} lines in {seconds:.1f} s ({lines / seconds:,.0f}/s); "
            f"raw asyncpg + msgspec {raw_lines / raw_s:,.0f}/s"
        )
        result["export_ratio"] = round((lines / seconds) / (raw_lines / raw_s), 3)
    if "audit" in found:
        (count, bare), (clean, seconds) = found["bare_verify"], found["audit"]
        print(
            f"  audit: {seconds:.1f} s ({'clean' if clean else 'DISCREPANCIES'}); "
            f"bare verify of {count:,} on one core {bare:.1f} s"
        )
        result["audit_ratio"] = round(bare / seconds, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
