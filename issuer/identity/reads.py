"""The province admin reads one certificate's full holder identity; every read is a logged event.

The only place outside exports that opens a sealed number. The read and its ``identity.read`` event (who:
the actor; whose: the certificate number; why: the reason) share one transaction: a read that fails to
decrypt logs nothing, and no number is shown without its event committed first.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, authorise
from issuer.auth.principal import Principal
from issuer.identity.kek import open_kek
from issuer.identity.sealer import identity_binding
from issuer.issuing.corrections import check_reason
from registry.certificates import get_certificate
from registry.config import Settings
from registry.db import Database
from registry.errors import NotFoundError
from registry.events import EventKind, NewEvent, append_event
from registry.identity.sealing.envelope import data_key_id
from registry.identity.sealing.ring import DataKeyRing
from registry.identity.sealing.store import get_identity, wrapped_keys
from registry.models import HolderIdentity
from registry.rules.document_types import DocumentType


class IdentityRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One certificate's holder, in full (never logged, never cached)."""

    number: str
    holder_name: str
    document_type: str
    document_type_zh: str
    document_number: str
    masked: str
    gender: str | None
    event_id: int  # the leaf of the identity.read event


def open_identity(ring: DataKeyRing, identity: HolderIdentity) -> str:
    """The full number of ``identity`` (raises the sealing errors when it does not open)."""
    return ring.open_document_number(
        identity.number_sealed, DocumentType(identity.document_type), row=identity_binding(identity.id)
    )


async def ring_for(session: AsyncSession, settings: Settings, sealed: list[bytes]) -> DataKeyRing:
    """A ring holding the data keys that ``sealed`` values need (wrapped; unwrapped on first use)."""
    return DataKeyRing(open_kek(settings), await wrapped_keys(session, [data_key_id(value) for value in sealed]))


async def read_identity(
    database: Database, settings: Settings, caller: Principal, number: str, *, reason: str, now: datetime | None = None
) -> IdentityRecord:
    """The full identity of certificate ``number``, and its ``identity.read`` event.

    Raises :class:`Forbidden` (not the province admin), ``InvalidInputError`` (reason), :class:`NotFoundError`
    (no such certificate, or one issued before the registry sealed identities), the sealing errors.
    """
    authorise(caller, Action.READ_IDENTITY)
    reason = check_reason(reason)
    async with database.transaction() as session:
        certificate = await get_certificate(session, number)
        identity = (
            await get_identity(session, certificate.holder_identity_id) if certificate.holder_identity_id else None
        )
        if identity is None:
            raise NotFoundError(
                f"证书 {number} 没有封存的完整证件号码（早于身份封存的证书） / certificate {number} has no sealed "
                "document number (issued before identities were sealed)"
            )
        document_number = open_identity(await ring_for(session, settings, [identity.number_sealed]), identity)
        event = NewEvent(
            kind=EventKind.IDENTITY_READ,
            subject=number,
            actor=caller.actor,
            reason=reason,
            details={"document_type": identity.document_type},
            at=now or datetime.now(UTC),
        )
        event_id = await append_event(session, event)
    kind = DocumentType(identity.document_type)
    return IdentityRecord(
        number=number,
        holder_name=certificate.holder_name,
        document_type=kind.value,
        document_type_zh=kind.label_zh,
        document_number=document_number,
        masked=identity.masked,
        gender=identity.gender,
        event_id=event_id,
    )
