"""Revocation as a W3C Bitstring Status List v1.0, one list per authority and list number.

**Index assignment.** Each authority has one counter, the sequence scope ``status:{authority}`` of the
existing ``sequence_counter`` table (:func:`registry.sequences.allocate`, the same row-locked, gap-free
``UPDATE … RETURNING`` as certificate numbers). At issue, a batch allocates one value per certificate in the
issuing transaction, in the batch's row order, and the value is stored with the certificate (phase 2). Value
``v`` (1, 2, 3 …) is position ``v − 1`` of the authority's status space: list ``(v − 1) // 131072 + 1``,
index ``(v − 1) % 131072``. So a position is deterministic (a pure function of the stored value), stable
(never recomputed, never reused: a rolled-back batch returns its values before anything was published), and
a list fills up before the next one starts. A reissued or replacement certificate gets a new number and so a
new position; the old certificate's bit is set.

**Status.** ``statusPurpose`` is ``revocation``; the bit of a certificate is 1 when it is revoked or
superseded (reissued 补发 / replaced 换发) — it is no longer the current document — and 0 while valid. A bit
never returns to 0 (revocation is final, Bitstring Status List v1.0 §2.1).

**Encoding** (§2.1, §3.1): the bitstring, index 0 being the left-most (most significant) bit of the first
byte, at least 131,072 bits (16 KiB) so one list hides which certificate a verifier looks up; GZIP
(mtime 0, so the same list always gives the same bytes); base64url without padding; multibase prefix ``u``.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Final

import msgspec

from registry.credentials.did_web import authority_did
from registry.credentials.errors import MalformedCredentialError, StatusListError
from registry.credentials.jcs import JsonObject, JsonValue
from registry.credentials.multibase import decode_multibase_base64url, multibase_base64url
from registry.credentials.proof import format_datetime

#: Entries per list: the specification's minimum size, 131,072 bits (§2.1 "minimum … 16KB").
LIST_SIZE: Final = 131_072
MIN_LIST_BITS: Final = 131_072
#: A decoded list may be at most this large (a status list of 128 Mi entries): more is a decompression bomb.
MAX_LIST_BYTES: Final = 16 * 1024 * 1024
#: ``encodedList`` longer than this is refused before decoding.
MAX_ENCODED_CHARS: Final = 4 * 1024 * 1024
STATUS_PURPOSE: Final = "revocation"
VC2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
STATUS_SCOPE_PREFIX: Final = "status:"


class StatusPosition(msgspec.Struct, frozen=True, kw_only=True):
    """Where a certificate's status bit is: list number (from 1) and index in the list (from 0)."""

    list_number: int
    index: int


def status_scope(authority_code: str) -> str:
    """The sequence scope whose values are the status positions of ``authority_code``."""
    return f"{STATUS_SCOPE_PREFIX}{authority_code}"


def status_position(sequence_value: int) -> StatusPosition:
    """The position of the ``sequence_value``-th status value of an authority (values start at 1)."""
    if sequence_value < 1:
        raise ValueError("status sequence values start at 1")
    list_index, index = divmod(sequence_value - 1, LIST_SIZE)
    return StatusPosition(list_number=list_index + 1, index=index)


def status_list_url(public_url: str, authority_code: str, list_number: int) -> str:
    """``{PUBLIC_URL}/v1/status/{authority}/{list}``: where the status list credential is served."""
    return f"{public_url.rstrip('/')}/v1/status/{authority_code}/{list_number}"


def status_entry(public_url: str, authority_code: str, position: StatusPosition) -> JsonObject:
    """The ``credentialStatus`` a credential carries (§2.1 BitstringStatusListEntry)."""
    url = status_list_url(public_url, authority_code, position.list_number)
    return {
        "id": f"{url}#{position.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(position.index),
        "statusListCredential": url,
    }


class Bitstring:
    """A status bitstring; bit ``i`` is bit ``7 − i % 8`` of byte ``i // 8`` (index 0 left-most)."""

    __slots__ = ("_bits",)

    def __init__(self, size_bits: int = LIST_SIZE) -> None:
        if size_bits < MIN_LIST_BITS or size_bits % 8:
            raise ValueError(f"a status list has a multiple of 8 bits, at least {MIN_LIST_BITS}")
        self._bits = bytearray(size_bits // 8)

    @classmethod
    def with_set(cls, indices: Iterable[int], size_bits: int = LIST_SIZE) -> Bitstring:
        """A bitstring with exactly ``indices`` set."""
        bits = cls(size_bits)
        for index in indices:
            bits.set(index)
        return bits

    @classmethod
    def from_bytes(cls, raw: bytes) -> Bitstring:
        """The bitstring whose bytes (as :meth:`to_bytes` gives them, and the registry stores them) are ``raw``;
        ``ValueError`` for fewer than the minimum."""
        if len(raw) * 8 < MIN_LIST_BITS:
            raise ValueError(f"a status list has at least {MIN_LIST_BITS} bits")
        bits = cls.__new__(cls)
        bits._bits = bytearray(raw)
        return bits

    def to_bytes(self) -> bytes:
        """The raw bits, index 0 the most significant bit of the first byte."""
        return bytes(self._bits)

    def __len__(self) -> int:
        return len(self._bits) * 8

    def set(self, index: int) -> None:
        """Set bit ``index``; raises ``IndexError`` outside the list."""
        self._check(index)
        self._bits[index // 8] |= 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        """Whether bit ``index`` is set; raises :class:`StatusListError` outside the list (§3.2 RANGE_ERROR)."""
        if not 0 <= index < len(self):
            raise StatusListError(f"状态索引越界 / status index {index} is outside a list of {len(self)} entries")
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def encode(self) -> str:
        """``encodedList``: ``u`` + base64url(GZIP(bits)), deterministic."""
        return multibase_base64url(gzip.compress(bytes(self._bits), mtime=0))

    @classmethod
    def decode(cls, encoded: str) -> Bitstring:
        """Inverse of :meth:`encode`; raises :class:`StatusListError` for bad encoding, bad GZIP, a list
        shorter than the minimum or larger than :data:`MAX_LIST_BYTES`."""
        if not isinstance(encoded, str) or len(encoded) > MAX_ENCODED_CHARS:
            raise StatusListError("encodedList 格式错误 / encodedList must be a string of bounded length")
        try:
            compressed = decode_multibase_base64url(encoded, field="encodedList")
        except MalformedCredentialError as exc:
            raise StatusListError(str(exc)) from None
        raw = _gunzip(compressed)
        if len(raw) * 8 < MIN_LIST_BITS:
            raise StatusListError(f"状态列表过短 / a status list has at least {MIN_LIST_BITS} entries")
        bits = cls.__new__(cls)
        bits._bits = bytearray(raw)
        return bits

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self):
            raise IndexError(f"status index {index} outside 0..{len(self) - 1}")


def _gunzip(data: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing only
    try:
        raw = decompressor.decompress(data, MAX_LIST_BYTES)
    except zlib.error:
        raise StatusListError("encodedList 不是 GZIP / encodedList is not GZIP-compressed") from None
    if decompressor.unconsumed_tail:
        raise StatusListError(f"状态列表过大 / a status list is at most {MAX_LIST_BYTES} bytes")
    if not decompressor.eof or decompressor.unused_data:
        raise StatusListError("encodedList 的 GZIP 数据不完整 / encodedList is truncated or has trailing data")
    return raw


def build_status_list_credential(
    *,
    public_url: str,
    authority_code: str,
    list_number: int,
    set_indices: Iterable[int] | Bitstring,
    valid_from: datetime,
) -> JsonObject:
    """The unsigned ``BitstringStatusListCredential`` of one list (§2.2), issued by the authority's DID.

    ``set_indices`` are the indices in this list of revoked or superseded certificates (or the bitstring).
    """
    bits = set_indices if isinstance(set_indices, Bitstring) else Bitstring.with_set(set_indices)
    url = status_list_url(public_url, authority_code, list_number)
    return {
        "@context": [VC2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": authority_did(public_url, authority_code),
        "validFrom": format_datetime(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": bits.encode(),
        },
    }


def read_status(entry: JsonValue, status_list_credential: JsonObject) -> bool:
    """Whether the bit of ``entry`` (a credential's ``credentialStatus``) is set in the (already verified)
    ``status_list_credential``: the validation algorithm of §3.2 minus the proof check.

    Raises :class:`StatusListError` when the entry is not a revocation ``BitstringStatusListEntry`` pointing
    at this list, the list's purpose differs, or the index is out of range.
    """
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise StatusListError("credentialStatus 不是 BitstringStatusListEntry / not a BitstringStatusListEntry")
    if entry.get("statusPurpose") != STATUS_PURPOSE:
        raise StatusListError("状态用途须为 revocation / statusPurpose must be revocation")
    if entry.get("statusListCredential") != status_list_credential.get("id"):
        raise StatusListError("状态列表与条目不符 / the status list is not the one the entry names")
    types = status_list_credential.get("type")
    subject = status_list_credential.get("credentialSubject")
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types or not isinstance(subject, dict):
        raise StatusListError("不是 BitstringStatusListCredential / not a BitstringStatusListCredential")
    if subject.get("statusPurpose") != STATUS_PURPOSE:
        raise StatusListError("状态列表用途不符 / the status list's statusPurpose is not revocation")
    index_text = entry.get("statusListIndex")
    if (
        not isinstance(index_text, str)
        or not index_text.isascii()
        or not index_text.isdecimal()
        or len(index_text) > 12
    ):
        raise StatusListError("statusListIndex 须为非负整数字符串 / statusListIndex must be a decimal string")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("缺少 encodedList / the status list has no encodedList")
    return Bitstring.decode(encoded).get(int(index_text))
