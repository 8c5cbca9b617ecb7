"""The on-disk format of sealed key files: msgspec Structs, the KDF caps, and strict decoding.

Kept apart from :mod:`keys.keyfile` (which unseals private keys) so the format can be read and tested on
its own. A file must never make us spend unbounded memory or time: Argon2id parameters are capped at
``MAX_OPSLIMIT`` passes and ``MAX_MEMLIMIT`` bytes (1 GiB: PyNaCl's SENSITIVE, the strongest level
``CERTREG_KEY_KDF`` offers, so every level we write can be read back), and anything beyond raises
:class:`UnsupportedKdfError` before any derivation starts.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal, TypeVar

import msgspec
import nacl.pwhash

from keys.errors import CorruptKeyFileError, InvalidKeyError, TamperedKeyFileError, UnsupportedKdfError
from keys.keyinfo import AwareDatetime, Purpose
from keys.kid import b64url_decode, key_id

FORMAT: Final = "certreg-sealed-key-v1"
MAX_OPSLIMIT: Final = 16
MAX_MEMLIMIT: Final = nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE  # 1 GiB
MIN_OPSLIMIT: Final = nacl.pwhash.argon2id.OPSLIMIT_MIN
MIN_MEMLIMIT: Final = nacl.pwhash.argon2id.MEMLIMIT_MIN
_T = TypeVar("_T")


class KdfParams(msgspec.Struct, frozen=True, kw_only=True):
    """Argon2id parameters and salt (base64url), stored in the clear so the file opens anywhere."""

    name: str
    opslimit: int
    memlimit: int
    salt: str


class KeyFileHeader(msgspec.Struct, frozen=True, kw_only=True):
    """The clear metadata of a key file; a sealed copy of it is checked on every open."""

    format: str
    kid: Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9_-]{11}$")]
    authority: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    purpose: Purpose
    algorithm: Literal["Ed25519"]
    public_key: str
    created_at: AwareDatetime
    kdf: KdfParams


class KeyFileDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole file: header, passphrase check value and sealed ``header JSON || seed``."""

    header: KeyFileHeader
    check: str
    sealed: str


def check_kdf(kdf: KdfParams) -> None:
    """Raise :class:`UnsupportedKdfError` unless ``kdf`` is Argon2id within our caps."""
    if kdf.name != "argon2id":
        raise UnsupportedKdfError(f"不支持的密钥派生算法 / unsupported KDF {kdf.name!r}; expected argon2id")
    if not MIN_OPSLIMIT <= kdf.opslimit <= MAX_OPSLIMIT:
        raise UnsupportedKdfError(
            f"密钥派生参数越界 / opslimit {kdf.opslimit} outside [{MIN_OPSLIMIT}, {MAX_OPSLIMIT}]"
        )
    if not MIN_MEMLIMIT <= kdf.memlimit <= MAX_MEMLIMIT:
        raise UnsupportedKdfError(
            f"密钥派生参数越界 / memlimit {kdf.memlimit} outside [{MIN_MEMLIMIT}, {MAX_MEMLIMIT}] bytes"
        )


def unb64(text: str, field: str) -> bytes:
    """Strict base64url of a file field; raises :class:`CorruptKeyFileError` naming the field."""
    try:
        return b64url_decode(text)
    except ValueError:
        raise CorruptKeyFileError(f"密钥文件字段损坏 / key file field {field!r} is not base64url") from None


def decode_document(data: bytes, where: str = "") -> KeyFileDocument:
    """Parse a key file (``where``: its path, for the messages); raises :class:`CorruptKeyFileError`
    (truncated, not JSON, missing or mistyped field, unknown format), :class:`UnsupportedKdfError`, or
    :class:`TamperedKeyFileError` when the clear kid does not match the clear public key."""
    document = decode_strict(data, KeyFileDocument, where)
    check_header(document.header.format, FORMAT, document.header.kdf, where)
    _check_kid(document.header, where)
    return document


def decode_strict(data: bytes, document_type: type[_T], where: str) -> _T:
    """Strict JSON of a sealed file of any kind; :class:`CorruptKeyFileError` naming ``where`` if it is not."""
    try:
        return msgspec.json.decode(data, type=document_type)
    except msgspec.ValidationError as exc:  # first: a subclass of DecodeError (valid JSON, wrong shape)
        raise CorruptKeyFileError(f"密钥文件格式错误 / key file {where} does not match the format: {exc}") from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise CorruptKeyFileError(f"密钥文件已截断或不是 JSON / key file {where} is truncated or not JSON") from None


def check_header(found: str, expected: str, kdf: KdfParams, where: str) -> None:
    """Raise :class:`CorruptKeyFileError` for another format, :class:`UnsupportedKdfError` for a bad KDF."""
    if found != expected:
        raise CorruptKeyFileError(f"未知密钥文件格式 / unknown key file format {found!r} in {where}")
    try:
        check_kdf(kdf)
    except UnsupportedKdfError as exc:
        raise UnsupportedKdfError(f"{exc} ({where})") from None


def _check_kid(header: KeyFileHeader, where: str) -> None:
    try:
        matches = key_id(unb64(header.public_key, "public_key")) == header.kid
    except InvalidKeyError:
        matches = False
    if not matches:
        raise TamperedKeyFileError(f"密钥标识与公钥不符 / kid {header.kid} does not match the public key in {where}")


__all__ = [
    "FORMAT",
    "KdfParams",
    "KeyFileDocument",
    "KeyFileHeader",
    "check_header",
    "check_kdf",
    "decode_document",
    "decode_strict",
    "unb64",
]
