"""Every ``CERTREG_KEY_KDF`` level must give key files that our own reader accepts.

``sensitive`` (1 GiB, 4 passes) once asked for more memory than the format allowed, so no key could ever be
written at that level. Interactive and moderate are written and read for real; sensitive is checked against
the format validator only, because a real 1 GiB Argon2id run per test is too slow and too big for CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keys.errors import UnsupportedKdfError
from keys.keyfile import read_key_file, read_key_file_header, write_key_file
from keys.keyfile_format import MAX_MEMLIMIT, KdfParams, check_kdf
from keys.sealing import KDF_LEVELS
from keys.signing import SigningKey
from tests.unit.keys.factory import T0

PASSPHRASE = b"correct horse battery staple"


@pytest.mark.parametrize("level", ["interactive", "moderate"])
def test_write_and_read_a_key_file_at_each_level(tmp_path: Path, level: str) -> None:
    opslimit, memlimit = KDF_LEVELS[level]
    key = SigningKey.generate()
    path = tmp_path / "keys" / f"{key.kid}.key"
    write_key_file(
        path,
        key,
        authority="430000",
        purpose="statement",
        passphrase=PASSPHRASE,
        created_at=T0,
        opslimit=opslimit,
        memlimit=memlimit,
    )
    assert (read_key_file_header(path).kdf.opslimit, read_key_file_header(path).kdf.memlimit) == KDF_LEVELS[level]
    assert read_key_file(path, PASSPHRASE).key.public_key == key.public_key


@pytest.mark.parametrize("level", sorted(KDF_LEVELS))
def test_every_level_is_within_the_format_caps(level: str) -> None:
    opslimit, memlimit = KDF_LEVELS[level]
    check_kdf(KdfParams(name="argon2id", opslimit=opslimit, memlimit=memlimit, salt=""))


def test_the_cap_is_sensitive_and_no_more() -> None:
    """The reader stays bounded: a tampered file cannot ask for more than the sensitive level's memory."""
    assert MAX_MEMLIMIT == KDF_LEVELS["sensitive"][1] == 1024**3
    with pytest.raises(UnsupportedKdfError):
        check_kdf(KdfParams(name="argon2id", opslimit=4, memlimit=MAX_MEMLIMIT + 1, salt=""))
