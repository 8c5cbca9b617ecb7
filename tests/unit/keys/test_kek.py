"""The key-encryption key: its sealed file (same sealing as signing keys) and wrapping under it."""

from __future__ import annotations

import copy
import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from keys.errors import (
    CorruptKeyFileError,
    DecryptionError,
    InsecureKeyFileError,
    InvalidKeyError,
    KeyFileExistsError,
    TamperedKeyFileError,
    UnsupportedKdfError,
    WrongPassphraseError,
)
from keys.kek import KeyEncryptionKey, kek_id_of, read_kek_file, read_kek_file_header, write_kek_file
from keys.keyfile import read_key_file
from keys.keyfile_format import MIN_MEMLIMIT, MIN_OPSLIMIT
from keys.kid import b64url_decode, b64url_encode
from tests.unit.keys.factory import T0

RAW = bytes(range(32))
PASSPHRASE = b"kek passphrase for tests"
FAST = {"opslimit": MIN_OPSLIMIT, "memlimit": MIN_MEMLIMIT}


@pytest.fixture
def kek_path(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "identity.kek"
    write_kek_file(path, KeyEncryptionKey.from_bytes(RAW), passphrase=PASSPHRASE, created_at=T0, **FAST)
    return path


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = msgspec.json.decode(path.read_bytes())
    change(document)
    path.write_bytes(msgspec.json.encode(document))


def test_round_trip_keeps_the_key_and_its_id(kek_path: Path) -> None:
    opened = read_kek_file(kek_path, PASSPHRASE)
    assert opened.kek_id == kek_id_of(RAW) == read_kek_file_header(kek_path).kek_id
    assert opened.created_at == T0
    blob = KeyEncryptionKey.from_bytes(RAW).seal(b"data key", aad=b"row 1")
    assert opened.kek.open(blob, aad=b"row 1") == b"data key"
    assert kek_path.stat().st_mode & 0o777 == 0o600
    assert kek_path.parent.stat().st_mode & 0o777 == 0o700


def test_the_file_uses_the_signing_keys_sealing_and_caps(kek_path: Path) -> None:
    header = read_kek_file_header(kek_path)
    assert (header.kdf.name, header.kdf.opslimit, header.kdf.memlimit) == ("argon2id", MIN_OPSLIMIT, MIN_MEMLIMIT)
    edit(kek_path, lambda d: d["header"]["kdf"].update(memlimit=4 * 1024**3))
    with pytest.raises(UnsupportedKdfError):
        read_kek_file(kek_path, PASSPHRASE)


def test_a_kek_file_is_not_a_signing_key_file(kek_path: Path) -> None:
    with pytest.raises(CorruptKeyFileError):
        read_key_file(kek_path, PASSPHRASE)


def test_wrong_passphrase_is_its_own_error(kek_path: Path) -> None:
    with pytest.raises(WrongPassphraseError):
        read_kek_file(kek_path, b"not the passphrase")


def _last_byte_flipped(sealed: bytes) -> bytes:
    """Change the tag's last byte whatever it was: setting it to 0 left it unchanged 1 time in 256."""
    return sealed[:-1] + bytes([sealed[-1] ^ 0x01])


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["header"].update(created_at="2020-01-01T00:00:00Z"),
        lambda d: d["header"].update(kek_id=kek_id_of(bytes(32))),
        lambda d: d.update(sealed=b64url_encode(_last_byte_flipped(b64url_decode(d["sealed"])))),
    ],
)
def test_tampered_header_or_sealed_part(kek_path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    edit(kek_path, change)
    with pytest.raises(TamperedKeyFileError):
        read_kek_file(kek_path, PASSPHRASE)


def test_loose_modes_and_overwrites_are_refused(kek_path: Path) -> None:
    with pytest.raises(KeyFileExistsError):
        write_kek_file(kek_path, KeyEncryptionKey.generate(), passphrase=PASSPHRASE, created_at=T0, **FAST)
    kek_path.chmod(0o644)
    with pytest.raises(InsecureKeyFileError):
        read_kek_file(kek_path, PASSPHRASE)


def test_wrap_binds_the_associated_data_and_the_kek() -> None:
    kek, other = KeyEncryptionKey.from_bytes(RAW), KeyEncryptionKey.generate()
    blob = kek.seal(b"secret", aad=b"dk-1")
    assert kek.seal(b"secret", aad=b"dk-1") != blob  # a fresh nonce every time
    with pytest.raises(DecryptionError):
        kek.open(blob, aad=b"dk-2")
    with pytest.raises(DecryptionError):
        other.open(blob, aad=b"dk-1")
    for position in (0, 23, 24, len(blob) - 1):  # nonce, nonce end, ciphertext, tag
        altered = bytearray(blob)
        altered[position] ^= 0x80
        with pytest.raises(DecryptionError):
            kek.open(bytes(altered), aad=b"dk-1")
    with pytest.raises(DecryptionError):
        kek.open(blob[:39], aad=b"dk-1")


def test_the_key_never_shows(kek_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    opened = read_kek_file(kek_path, PASSPHRASE)
    texts = [repr(opened), str(opened.kek), caplog.text, kek_path.read_text()]
    with pytest.raises(DecryptionError) as caught:
        opened.kek.open(bytes(64), aad=b"")
    texts.append(str(caught.value))
    for text in texts:
        for secret in (RAW.hex(), b64url_encode(RAW), repr(RAW), PASSPHRASE.decode()):
            assert secret not in text
    assert opened.kek_id in caplog.text
    with pytest.raises(TypeError):
        pickle.dumps(opened.kek)
    with pytest.raises(TypeError):
        copy.deepcopy(opened.kek)


def test_a_kek_is_32_bytes() -> None:
    with pytest.raises(InvalidKeyError):
        KeyEncryptionKey.from_bytes(bytes(31))
    assert len(kek_id_of(RAW)) == 11
