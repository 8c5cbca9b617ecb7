"""What the command-line tests share: the environment ``certreg`` runs in, one way to run it, and the world
seeded into an empty database before the first command."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner, Result

from issuer.cli import main
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


def command_env(db_url: str, key_dir: Path | str, **extra: str) -> dict[str, str]:
    """What every key-using command needs: the database and the key directory, opened with the test
    passphrase and the fast test KDF (a real scrypt would make each command take seconds); ``extra`` adds or
    overrides variables."""
    return {
        "CERTREG_DATABASE_URL": db_url,
        "CERTREG_KEY_DIR": str(key_dir),
        "CERTREG_KEY_PASSPHRASE": "test-passphrase",
        "CERTREG_KEY_KDF": "insecure-test-only",
        **extra,
    }


def invoke(env: dict[str, str], *args: str) -> Result:
    """``certreg *args`` as an operator runs it; an exception other than an exit is raised, not swallowed
    into the result, so a failing test shows the traceback."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def seed(db_url: str) -> None:
    """The test world (:func:`seed_world`) in the database at ``db_url``."""

    async def _seed() -> None:
        async with Database(db_url) as database:
            await seed_world(database)

    asyncio.run(_seed())
