"""The certificate view: everything the public answers need about one certificate, and nothing more.

A view is what the Redis level of the cache holds (MessagePack of an ``array_like`` Struct: small and quick
to decode) and what pages and JSON answers are rendered from. ORM rows never reach a cache or a response:
:mod:`verify.queries` builds views from plain result rows. The holder's ID digest is not part of a view.

A Redis value that does not decode (written by an older release with other fields) counts as a miss and is
overwritten; :data:`NEGATIVE` marks "no such certificate" for a short time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

import msgspec

from registry.vocab import CertificateStatus

#: The Redis value of "no certificate has this number" (a view never encodes to one byte).
NEGATIVE: Final = b"\xc0"


class LogProof(msgspec.Struct, frozen=True, array_like=True):
    """The certificate's issue event in the transparency log: its inclusion proof against the signed
    checkpoint of ``tree_size`` leaves (the latest one when the view was built)."""

    tree_size: int
    root_hash: bytes
    leaf_hash: bytes
    proof: list[bytes]
    checkpoint: str  # the signed note, so a verifier needs nothing else


class CertificateView(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """A certificate with the names of what its codes refer to and its current status."""

    number: str
    kind: str  # CertificateKind value
    holder_name: str
    holder_id_masked: str
    subject_type: str  # SubjectType value
    subject_code: str
    subject_name: str
    level: int
    institution_code: str
    institution_name: str
    authority_code: str
    authority_name: str
    issued_on: date
    log_index: int
    #: The exact signed statement bytes, so a QR token can be compared with what the registry holds.
    statement: bytes
    status: str = CertificateStatus.VALID.value
    #: ``revoked``, ``reissued`` (补发) or ``replaced`` (换发): the event that set ``status``.
    status_change: str | None = None
    status_at: datetime | None = None
    status_reason: str = ""
    superseded_by: str | None = None
    #: ``None`` while no signed checkpoint covers the certificate yet (pending).
    log: LogProof | None = None
    #: Size of the newest checkpoint when the view was built: a newer one makes the view stale.
    checkpoint_size: int = 0
    #: Index of the newest event about the certificate that the view reflects (issue or status change).
    revision: int = -1
    #: The stored signature over the statement, checked against the current key set on every verdict.
    signature: bytes = b""
    #: The source system of a certificate issued before the registry ("" for one issued here); from its
    #: ``certificate.imported`` event (docs/legacy.md).
    imported_from: str = ""
    #: When the certificate was printed again under its number (补发 of a qualification certificate, rule 9):
    #: every earlier print is void. ``None`` when it never was.
    reprinted_at: datetime | None = None
    #: The valid print's serial when the operator gave it from the pre-printed blank (the paper carries it);
    #: "" otherwise (an allocated serial is not printed on a qualification blank, so it is not shown).
    given_print_serial: str = ""

    def proof_older_than(self, checkpoint_size: int) -> bool:
        """Whether a newer checkpoint than the one this view was built against is known."""
        return self.checkpoint_size < checkpoint_size


_encoder: Final = msgspec.msgpack.Encoder()
_decoder: Final = msgspec.msgpack.Decoder(CertificateView)


def encode_view(view: CertificateView | None) -> bytes:
    """The Redis value of ``view`` (``None`` → :data:`NEGATIVE`)."""
    return NEGATIVE if view is None else _encoder.encode(view)


class UndecodableViewError(ValueError):
    """A Redis value that is not a view of this release; the caller treats it as a miss."""


def decode_view(data: bytes) -> CertificateView | None:
    """The view in a Redis value (``None`` for :data:`NEGATIVE`); raises :class:`UndecodableViewError`."""
    if data == NEGATIVE:
        return None
    try:
        return _decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UndecodableViewError(str(exc)) from None
