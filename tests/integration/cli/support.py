"""What the command-line tests of this folder share: the environment ``certreg`` runs in, and the world
seeded into an empty database before the first command."""

from __future__ import annotations

import asyncio
from pathlib import Path

from registry.db import Database
from tests.factories import seed_world
from tests.support import ID_HASH_KEY


def cli_env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The ``CERTREG_*`` variables of a command run against ``db_url`` with keys under ``tmp_path``."""
    return {
        "CERTREG_DATABASE_URL": db_url,
        "CERTREG_KEY_DIR": str(tmp_path / "keys"),
        "CERTREG_KEY_PASSPHRASE": "test-passphrase",
        "CERTREG_ID_HASH_KEY": ID_HASH_KEY,
        "CERTREG_REDIS_URL": "",
        **extra,
    }


def seed(db_url: str) -> None:
    """The test world (:func:`seed_world`) in the database at ``db_url``."""

    async def _seed() -> None:
        database = Database(db_url)
        try:
            await seed_world(database)
        finally:
            await database.dispose()

    asyncio.run(_seed())
