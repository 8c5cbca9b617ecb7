"""The demo data set that ``make run`` loads: both provinces' regions, the Hunan demo catalogue,
institutions and filings, and a signing key for every authority plus the province's log key.

Idempotent: running it again loads nothing twice and creates no second key.
"""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import select

from issuer.keystore import KeyStore, new_key
from keys.keyset import Purpose
from registry.db import Database
from registry.keyring import load_keyset
from registry.models import Authority
from registry.refdata import LoadReport, load_reference_file

DEMO_FILES = ("regions_hunan.csv", "regions_sichuan.csv", "demo_hunan.json")
PROVINCE_AUTHORITY = "430000"
ACTOR = "cli:demo"


async def load_demo_reference(database: Database) -> list[tuple[str, LoadReport]]:
    """Load the shipped regions and demo data; returns each file's report."""
    reports = []
    for name in DEMO_FILES:
        data = (files("registry.data") / name).read_bytes()
        reports.append((name, await load_reference_file(database, data, name, actor=ACTOR)))
    return reports


async def ensure_demo_keys(database: Database, store: KeyStore) -> list[str]:
    """A statement key for every authority that has none, and the province's log key; returns new kids."""
    created = []
    async with database.transaction() as session:
        keyset = await load_keyset(session)
        authorities = (await session.scalars(select(Authority.code).order_by(Authority.code))).all()
        wanted: list[tuple[str, Purpose]] = [(code, "statement") for code in authorities]
        wanted.append((PROVINCE_AUTHORITY, "log"))
        for code, purpose in wanted:
            if keyset.active(code, purpose) is None:
                info = await new_key(session, store, authority=code, purpose=purpose, actor=ACTOR)
                created.append(info.kid)
    return created
