"""The signed statement, v1: what an issuing authority signs and what every verifier checks.

The statement is the MessagePack encoding (msgspec) of :class:`Statement`, an ``array_like`` Struct, so the
bytes are compact and the same on every platform. The signature is Ed25519 over ``DOMAIN + statement``.
A verifier keeps and checks the exact bytes it was given and never re-encodes to verify; decoding is strict
and canonical (the bytes must be exactly what :func:`encode_statement` makes of the decoded value), so one
statement has one byte string and one :func:`statement_hash` in the transparency log.

Field bounds (checked on decode and before signing; v1 is frozen — only a v2 may change them):

====================  ===================================================================
``number``            1–32 of ``0-9 A-Z a-z - *`` (safe in a URL path; ``*`` is a MOD 37-2 check character)
``kind``              a :class:`CertificateKind` statement code (1, 2, 3)
``holder_name``       1–64 characters, no control characters
``holder_id_masked``  1–20 of ``0-9 A-Z a-z *``
``subject_code``      occupation or project code, 1–32 printable ASCII, no space
``level``             0 (none) to 5
``institution_code``  1–32 printable ASCII, no space
``authority_code``    1–16 of ``0-9 A-Z a-z``
``issued_on``         days since 1970-01-01 (the China Standard Time calendar date), up to 9999-12-31
``kid``               exactly 11 base64url characters
====================  ===================================================================

The largest valid statement is ``MAX_STATEMENT_BYTES`` long; longer input is refused before decoding.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar, Final

import msgspec

from keys.keyset import KeySet
from keys.signing import SigningKey
from registry.errors import RegistryError
from registry.vocab import CertificateKind

DOMAIN: Final = b"certreg:v1:"
VERSION: Final = 1
EPOCH: Final = date(1970, 1, 1)
MAX_DAY: Final = (date(9999, 12, 31) - EPOCH).days
#: Every field at its maximum (name: 64 four-byte characters) encodes to this many bytes.
MAX_STATEMENT_BYTES: Final = 420

_Printable32 = Annotated[str, msgspec.Meta(pattern=r"\A[\x21-\x7e]{1,32}\Z")]


class StatementError(RegistryError):
    """A statement cannot be used; ``reason`` is the stable verdict code of the subclass."""

    reason: ClassVar[str] = "malformed_statement"


class MalformedStatementError(StatementError):
    """Not MessagePack, truncated, trailing bytes, too long, or the wrong number or types of fields."""


class StatementFieldError(MalformedStatementError):
    """A field breaks its bound (over-long, bad characters, unknown kind, level out of range)."""


class NonCanonicalStatementError(MalformedStatementError):
    """The bytes decode, but are not the canonical encoding of what they decode to."""


class UnsupportedVersionError(StatementError):
    """A statement version this code does not know (only 1 exists)."""

    reason: ClassVar[str] = "unsupported_version"


class Statement(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """Statement v1. Field order is the wire format: only a new version may append or change fields."""

    version: int
    number: Annotated[str, msgspec.Meta(pattern=r"\A[0-9A-Za-z*-]{1,32}\Z")]
    kind: int
    holder_name: Annotated[str, msgspec.Meta(pattern=r"\A[^\x00-\x1f\x7f]{1,64}\Z")]
    holder_id_masked: Annotated[str, msgspec.Meta(pattern=r"\A[0-9A-Za-z*]{1,20}\Z")]
    subject_code: _Printable32
    level: Annotated[int, msgspec.Meta(ge=0, le=5)]
    institution_code: _Printable32
    authority_code: Annotated[str, msgspec.Meta(pattern=r"\A[0-9A-Za-z]{1,16}\Z")]
    issued_on: Annotated[int, msgspec.Meta(ge=0, le=MAX_DAY)]
    kid: Annotated[str, msgspec.Meta(pattern=r"\A[A-Za-z0-9_-]{11}\Z")]

    @property
    def issued_date(self) -> date:
        """``issued_on`` as a calendar date."""
        return EPOCH + timedelta(days=self.issued_on)

    @property
    def certificate_kind(self) -> CertificateKind:
        """The kind named by ``kind`` (valid for any decoded statement)."""
        return CertificateKind.from_statement_code(self.kind)


_encoder: Final = msgspec.msgpack.Encoder()
_decoder: Final = msgspec.msgpack.Decoder(Statement)
_KIND_CODES: Final = frozenset(kind.statement_code for kind in CertificateKind)


def days_since_epoch(day: date) -> int:
    """The ``issued_on`` value of a calendar date."""
    return (day - EPOCH).days


def encode_statement(st: Statement) -> bytes:
    """The canonical bytes of ``st``; raises :class:`StatementError` when ``st`` breaks a bound, so an
    issuer never signs a statement that verifiers would refuse."""
    data = _encoder.encode(st)
    decode_statement(data)
    return data


def decode_statement(data: bytes) -> Statement:
    """Decode statement bytes strictly.

    Raises :class:`UnsupportedVersionError` for a version other than 1, :class:`MalformedStatementError`
    for input that is too long, truncated, not MessagePack, has trailing bytes or the wrong shape,
    :class:`StatementFieldError` for a field out of bounds and :class:`NonCanonicalStatementError` for a
    non-canonical encoding.
    """
    if not isinstance(data, bytes) or len(data) > MAX_STATEMENT_BYTES:
        raise MalformedStatementError(f"声明过长 / a statement is bytes of at most {MAX_STATEMENT_BYTES}")
    try:
        st = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise _classify(data, exc) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # msgspec raises the latter for bad UTF-8
        raise MalformedStatementError(f"声明无法解码 / statement is not valid MessagePack: {exc}") from None
    if st.version != VERSION:
        raise UnsupportedVersionError(f"不支持的声明版本 / unsupported statement version {st.version}")
    if st.kind not in _KIND_CODES:
        raise StatementFieldError(f"未知证书类别 / unknown certificate kind code {st.kind}")
    if _encoder.encode(st) != data:
        raise NonCanonicalStatementError("声明编码不规范 / statement bytes are not canonically encoded")
    return st


def _classify(data: bytes, exc: msgspec.ValidationError) -> StatementError:
    """Tell an unknown version (whatever its layout) from a v1 statement with a bad field."""
    try:
        raw: Any = msgspec.msgpack.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raw = None
    if isinstance(raw, list) and raw and type(raw[0]) is int and raw[0] != VERSION:
        return UnsupportedVersionError(f"不支持的声明版本 / unsupported statement version {raw[0]}")
    return StatementFieldError(f"声明字段错误 / statement field out of bounds or mistyped: {exc}")


def statement_hash(data: bytes) -> bytes:
    """SHA-256 of the exact statement bytes: what the transparency log records for a certificate."""
    return hashlib.sha256(data).digest()


def sign_statement(st: Statement, key: SigningKey) -> bytes:
    """The Ed25519 signature of ``DOMAIN + encode_statement(st)`` by ``key``.

    Raises :class:`StatementFieldError` when ``st.kid`` is not the key's kid (a statement must name its
    signer), or any error of :func:`encode_statement`.
    """
    if st.kid != key.kid:
        raise StatementFieldError(f"声明密钥标识与签名密钥不符 / statement kid {st.kid} is not {key.kid}")
    return key.sign(DOMAIN + encode_statement(st))


def verify_statement(data: bytes, signature: bytes, keyset: KeySet) -> Statement:
    """Decode the exact ``data`` and verify ``signature`` over ``DOMAIN + data`` by the statement's kid,
    for the statement's issue date.

    Returns the statement. Raises :class:`StatementError` for unusable bytes and a
    :class:`keys.errors.SignatureVerificationError` subclass when the key set does not vouch for it.
    """
    st = decode_statement(data)
    keyset.verify(
        kid=st.kid, message=DOMAIN + data, signature=signature, signed_on=st.issued_date, authority=st.authority_code
    )
    return st
