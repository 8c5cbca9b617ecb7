"""Sealed key files: round trip, modes, and a distinct error for every way a file can be wrong."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from keys.errors import (
    CorruptKeyFileError,
    InsecureKeyFileError,
    KeyFileError,
    KeyFileExistsError,
    TamperedKeyFileError,
    UnsupportedKdfError,
    WrongPassphraseError,
)
from keys.keyfile import read_key_file, read_key_file_header, write_key_file
from keys.keyfile_format import MAX_MEMLIMIT, MIN_MEMLIMIT, MIN_OPSLIMIT
from keys.kid import b64url_decode, b64url_encode
from keys.signing import SigningKey, verify_signature
from tests.unit.keys.factory import KEY_B, T0

SEED = bytes(range(100, 132))
PASSPHRASE = b"correct horse battery staple"
FAST = {"opslimit": MIN_OPSLIMIT, "memlimit": MIN_MEMLIMIT}


def seal(path: Path, key: SigningKey | None = None, **overrides: Any) -> Path:
    fields: dict[str, Any] = {"authority": "430000", "purpose": "statement", "passphrase": PASSPHRASE}
    fields |= {"created_at": T0, **FAST, **overrides}
    write_key_file(path, key or SigningKey.from_seed(SEED), **fields)
    return path


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return seal(tmp_path / "keys" / "430000.key")


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = msgspec.json.decode(path.read_bytes())
    change(document)
    path.write_bytes(msgspec.json.encode(document))  # keeps mode 0600


def test_round_trip(key_path: Path) -> None:
    opened = read_key_file(key_path, PASSPHRASE)
    assert opened.key.public_key == SigningKey.from_seed(SEED).public_key
    assert (opened.kid, opened.authority, opened.purpose) == (opened.key.kid, "430000", "statement")
    assert (opened.algorithm, opened.created_at) == ("Ed25519", T0)
    signature = opened.key.sign(b"m")
    verify_signature(public_key=opened.key.public_key, message=b"m", signature=signature)


def test_modes_are_0600_and_0700(key_path: Path) -> None:
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert key_path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in key_path.parent.iterdir()] == [key_path.name]  # no temporary file left


def test_header_is_readable_without_the_passphrase(key_path: Path) -> None:
    header = read_key_file_header(key_path)
    assert (header.kid, header.authority, header.purpose) == (
        SigningKey.from_seed(SEED).kid,
        "430000",
        "statement",
    )
    assert (header.kdf.name, header.kdf.opslimit, header.kdf.memlimit) == (
        "argon2id",
        MIN_OPSLIMIT,
        MIN_MEMLIMIT,
    )
    assert len(b64url_decode(header.kdf.salt)) == 16


def test_wrong_passphrase(key_path: Path) -> None:
    with pytest.raises(WrongPassphraseError):
        read_key_file(key_path, b"wrong")
    with pytest.raises(WrongPassphraseError):
        read_key_file(key_path, b"")


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.25, 0.5, 0.9, 0.99])
def test_truncated_file(key_path: Path, fraction: float) -> None:
    data = key_path.read_bytes().rstrip()
    key_path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(CorruptKeyFileError):
        read_key_file(key_path, PASSPHRASE)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["header"].update(authority="430100"),
        lambda d: d["header"].update(purpose="log"),
        lambda d: d["header"].update(created_at="2020-01-01T00:00:00Z"),
        lambda d: d["header"].update(kid=KEY_B.kid, public_key=b64url_encode(KEY_B.public_key)),
        lambda d: d["header"].update(kid=KEY_B.kid),  # kid no longer matches the clear public key
    ],
)
def test_tampered_header(key_path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    edit(key_path, change)
    with pytest.raises(TamperedKeyFileError):
        read_key_file(key_path, PASSPHRASE)


@pytest.mark.parametrize("position", [0, 23, 24, 40, -1])  # nonce, first cipher byte, middle, tag end
def test_tampered_ciphertext(key_path: Path, position: int) -> None:
    def flip(document: dict[str, Any]) -> None:
        sealed = bytearray(b64url_decode(document["sealed"]))
        sealed[position] ^= 0x01
        document["sealed"] = b64url_encode(bytes(sealed))

    edit(key_path, flip)
    with pytest.raises(TamperedKeyFileError):
        read_key_file(key_path, PASSPHRASE)


WRONG_OR_ALTERED = "口令错误，或盐值/派生参数被改动 / wrong passphrase, or the salt/KDF parameters were altered"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["header"]["kdf"].update(salt=b64url_encode(bytes(16))),
        lambda d: d["header"]["kdf"].update(opslimit=MIN_OPSLIMIT + 1),
        lambda d: d.update(check=b64url_encode(bytes(16))),
    ],
)
def test_changed_salt_kdf_or_check_reads_as_a_wrong_passphrase_and_says_it_may_be_either(
    key_path: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    """The check value cannot tell a wrong passphrase from altered KDF inputs, so the message names both."""
    edit(key_path, change)
    with pytest.raises(WrongPassphraseError) as caught:
        read_key_file(key_path, PASSPHRASE)
    assert str(caught.value) == f"{WRONG_OR_ALTERED} (key file {key_path})"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_group_or_world_readable_file_is_refused(key_path: Path, mode: int) -> None:
    key_path.chmod(mode)
    with pytest.raises(InsecureKeyFileError, match=oct(mode)):
        read_key_file(key_path, PASSPHRASE)
    with pytest.raises(InsecureKeyFileError):
        read_key_file_header(key_path)


def test_loose_directory_is_refused_on_write(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    with pytest.raises(InsecureKeyFileError):
        seal(shared / "k.key")


def test_key_directory_that_is_a_file_is_said_to_be_one(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "keys"
    not_a_dir.write_bytes(b"")
    not_a_dir.chmod(0o644)
    with pytest.raises(KeyFileError, match="is not a directory") as caught:
        seal(not_a_dir / "k.key")
    assert "0700" not in str(caught.value)


def test_existing_file_is_never_overwritten(key_path: Path) -> None:
    before = key_path.read_bytes()
    with pytest.raises(KeyFileExistsError):
        seal(key_path, SigningKey.generate())
    assert key_path.read_bytes() == before


def test_symlink_is_not_followed(key_path: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.key"
    link.symlink_to(key_path)
    with pytest.raises(KeyFileError):
        read_key_file(link, PASSPHRASE)


@pytest.mark.parametrize(
    "kdf",
    [
        {"memlimit": 4 * 1024**3},  # would allocate 4 GiB
        {"memlimit": MAX_MEMLIMIT + 1},
        {"memlimit": MIN_MEMLIMIT - 1},
        {"opslimit": 1000},
        {"opslimit": 0},
        {"name": "scrypt"},
    ],
)
def test_unsupported_or_oversized_kdf_in_a_file(key_path: Path, kdf: dict[str, Any]) -> None:
    edit(key_path, lambda d: d["header"]["kdf"].update(kdf))
    with pytest.raises(UnsupportedKdfError):
        read_key_file(key_path, PASSPHRASE)


def test_oversized_kdf_is_refused_on_write_too(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedKdfError):
        seal(tmp_path / "k.key", memlimit=MAX_MEMLIMIT * 2)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"{}",
        b'{"header": "\xff"}',  # invalid UTF-8 inside a string
        b'{"header": {}, "check": "", "sealed": ""}',
        b" " * 20_000,  # larger than any key file
    ],
)
def test_corrupt_files(key_path: Path, content: bytes) -> None:
    key_path.write_bytes(content)
    with pytest.raises(CorruptKeyFileError):
        read_key_file(key_path, PASSPHRASE)


def test_unknown_format_and_bad_base64_are_corrupt(key_path: Path) -> None:
    edit(key_path, lambda d: d.update(sealed="!!"))
    with pytest.raises(CorruptKeyFileError):
        read_key_file(key_path, PASSPHRASE)
    edit(key_path, lambda d: d["header"].update(format="other-v9"))
    with pytest.raises(CorruptKeyFileError):
        read_key_file_header(key_path)


def test_write_refuses_empty_passphrase_and_naive_time(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError):
        seal(tmp_path / "a.key", passphrase=b"")
    with pytest.raises(KeyFileError):
        seal(tmp_path / "b.key", created_at=datetime(2024, 1, 1))


def test_missing_file_is_a_key_file_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot open"):
        read_key_file(tmp_path / "absent.key", PASSPHRASE)


def test_private_key_never_in_logs_exceptions_or_reprs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = SigningKey.from_seed(SEED)
    path = seal(tmp_path / "keys" / "k.key", key)
    opened = read_key_file(path, PASSPHRASE)
    texts = [caplog.text, repr(opened), str(opened), repr(opened.key), repr(read_key_file_header(path))]
    for error_case in (lambda: read_key_file(path, b"bad"), lambda: seal(path, key)):
        with pytest.raises(KeyFileError) as info:
            error_case()
        texts += [str(info.value), repr(info.value)]
    path.chmod(0o644)
    with pytest.raises(InsecureKeyFileError) as insecure:
        read_key_file(path, PASSPHRASE)
    texts.append(str(insecure.value))
    secrets = [SEED.hex(), b64url_encode(SEED), repr(SEED), SEED.hex().upper(), PASSPHRASE.decode()]
    assert "sealed key file" in caplog.text  # the log lines exist, with the kid only
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert os.fspath(path) in caplog.text


def test_unwritable_directory_is_a_key_file_error_naming_the_path() -> None:
    with pytest.raises(KeyFileError, match=r"cannot write key file /proc/nope/k\.key") as caught:
        seal(Path("/proc/nope/k.key"))
    assert not isinstance(caught.value, OSError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("check"), "密钥文件格式错误 / key file {path} does not match the format"),
        (lambda d: d["header"].pop("kid"), "does not match the format: Object missing required field `kid`"),
        (lambda d: d.update(extra=1), "does not match the format"),
        (lambda d: d["header"].update(format="v0"), "未知密钥文件格式 / unknown key file format 'v0' in {path}"),
    ],
)
def test_a_file_of_the_wrong_shape_says_so_and_names_the_path(
    key_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    edit(key_path, change)
    for read in (lambda: read_key_file(key_path, PASSPHRASE), lambda: read_key_file_header(key_path)):
        with pytest.raises(CorruptKeyFileError) as caught:
            read()
        assert message.format(path=key_path) in str(caught.value)


def test_a_truncated_file_names_the_path(key_path: Path) -> None:
    key_path.write_bytes(key_path.read_bytes()[:40])
    with pytest.raises(CorruptKeyFileError, match="truncated or not JSON") as caught:
        read_key_file(key_path, PASSPHRASE)
    assert str(key_path) in str(caught.value)
