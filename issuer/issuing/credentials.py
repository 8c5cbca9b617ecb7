"""The credential-signing step of issuing (docs/credentials.md): W3C VC 2.0 ``OpenBadgeCredential``s with an
``eddsa-jcs-2022`` proof by the issuing authority's statement key, and its Bitstring Status Lists.

Issuer side only: a verify replica holds no private key and only serves what is stored here.

* :func:`plan_credentials` runs in the issuing transaction before signing: it allocates one status value
  per certificate (sequence scope ``status:{authority}``, in row order, rolled back with a failed batch),
  makes one :class:`CredentialStamp` per subject and level, and stores a signed empty status list for
  every list the new values open. :meth:`CredentialPlan.sign` then runs beside the statement signing on
  the signing threads; the credentials are stored with their certificates, and their issue events commit
  to their SHA-256.
* :func:`mark_status` sets a revoked or superseded certificate's bit and re-signs its list, in the
  transaction of the revocation, reissue or replacement: the list changes when the status does, and its
  verify caches (none: lists are read from the database, ``verify/http/credentials.py``) need no message.
* :func:`backfill` signs the credentials of certificates issued before they existed (``certreg
  credentials backfill``), with their own ``certificate.credential`` events, and sets the bits of those
  already revoked or superseded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.keystore import KeyStore, signer_for
from keys.keyset import KeySet, PublicKeyInfo
from keys.signing import SigningKey
from registry.certificates import NewCertificate, require_credential_references, statuses
from registry.config import Settings
from registry.credential_store import (
    MAX_STATUS_VALUE,
    NewCredential,
    credential_of,
    existing_lists,
    lock_status_list,
    store_signed_later,
)
from registry.credentials.credential import CertificatePublicView, build_credential, new_salt, new_salts
from registry.credentials.signing import sign_as_authority
from registry.credentials.stamping import CredentialStamp
from registry.credentials.status_list import (
    Bitstring,
    StatusPosition,
    build_status_list_credential,
    status_position,
    status_scope,
)
from registry.keyring import load_keyset
from registry.models import Authority, Certificate, CertificateCredential, Institution, StatusList
from registry.rule_views import occupation_views, project_views
from registry.sequences import allocate
from registry.vocab import CertificateKind, CertificateStatus, SubjectType


class CredentialContext:
    """What credential signing needs besides the issuing key: the service's public URL (DIDs, credential
    and status list URLs are built from it) and the key store (status lists are re-signed on revocation,
    which signs nothing else). ``keystore`` may be a function that opens it: then it is opened only when
    a list must be signed, so revoking a certificate that has no credential asks for no key passphrase."""

    def __init__(self, *, public_url: str, keystore: KeyStore | Callable[[], KeyStore]) -> None:
        self.public_url = public_url
        self._keystore = keystore

    @property
    def keystore(self) -> KeyStore:
        if not isinstance(self._keystore, KeyStore):
            self._keystore = self._keystore()
        return self._keystore

    @classmethod
    def of(cls, settings: Settings, keystore: KeyStore | Callable[[], KeyStore]) -> CredentialContext:
        """The context of a configured service (``CERTREG_PUBLIC_URL``)."""
        return cls(public_url=settings.server.public_url, keystore=keystore)


class SubjectNames:
    """Names of the authority, institutions and subjects the credentials state, looked up once per call."""

    def __init__(self, authorities: dict[str, str], institutions: dict[str, str], subjects: dict[str, str]) -> None:
        self.authorities = authorities
        self.institutions = institutions
        self.subjects = subjects

    @classmethod
    async def load(
        cls, session: AsyncSession, *, authorities: set[str], institutions: set[str], subjects: set[tuple[str, str]]
    ) -> SubjectNames:
        authority_rows = await session.execute(
            select(Authority.code, Authority.name).where(Authority.code.in_(authorities))
        )
        institution_rows = await session.execute(
            select(Institution.code, Institution.name).where(Institution.code.in_(institutions))
        )
        occupations = await occupation_views(session, [c for t, c in subjects if t == SubjectType.OCCUPATION])
        projects = await project_views(session, [c for t, c in subjects if t != SubjectType.OCCUPATION])
        names = {code: view.name for code, view in occupations.items()}
        names.update({code: view.name for code, view in projects.items()})
        return cls(dict(authority_rows.all()), dict(institution_rows.all()), names)

    def view(self, certificate: NewCertificate | Certificate, position: StatusPosition) -> CertificatePublicView:
        """The public view of ``certificate`` (a subject missing from the catalogue shows its code)."""
        return CertificatePublicView(
            number=certificate.number,
            kind=CertificateKind(certificate.kind),
            holder_name=certificate.holder_name,
            subject_type=certificate.subject_type,
            subject_code=certificate.subject_code,
            subject_name=self.subjects.get(certificate.subject_code, certificate.subject_code),
            level=certificate.level,
            institution_code=certificate.institution_code,
            institution_name=self.institutions.get(certificate.institution_code, certificate.institution_code),
            authority_code=certificate.authority_code,
            authority_name=self.authorities.get(certificate.authority_code, certificate.authority_code),
            issued_on=certificate.issued_on,
            status=position,
        )


class CredentialPlan:
    """The credentials of one issue: status values by number, and a stamp per subject and level.

    :meth:`sign` is pure CPU and runs on the signing threads (``issuer/issuing/writer.py``)."""

    def __init__(
        self, *, context: CredentialContext, names: SubjectNames, values: dict[str, int], key: PublicKeyInfo,
        signer: SigningKey, created: datetime,
    ) -> None:  # fmt: skip
        self._context = context
        self._names = names
        self._values = values
        self._key = key
        self._signer = signer
        self._created = created
        self._stamps: dict[tuple[str, int, str, date], CredentialStamp] = {}

    def sign(self, certificates: Sequence[NewCertificate]) -> list[NewCredential]:
        """The signed credential of each of ``certificates`` (numbers of this plan)."""
        made = []
        for certificate, salt in zip(certificates, new_salts(len(certificates)), strict=True):
            value = self._values[certificate.number]
            stamp = self._stamp(certificate, value)
            stamped = stamp.sign(certificate.number, certificate.holder_name, value, salt=salt)
            made.append(
                NewCredential(
                    number=certificate.number,
                    authority_code=certificate.authority_code,
                    status_value=value,
                    kid=self._key.kid,
                    data=stamped.data,
                )
            )
        return made

    def _stamp(self, certificate: NewCertificate, value: int) -> CredentialStamp:
        group = (certificate.subject_code, certificate.level, certificate.institution_code, certificate.issued_on)
        stamp = self._stamps.get(group)
        if stamp is None:
            stamp = CredentialStamp(
                self._names.view(certificate, status_position(value)),
                public_url=self._context.public_url,
                key=self._key,
                sign=self._signer.sign,
                created=self._created,
            )
            self._stamps[group] = stamp
        return stamp


async def plan_credentials(
    session: AsyncSession,
    context: CredentialContext,
    *,
    authority_code: str,
    institution_code: str,
    subjects: Sequence[tuple[str, str]],
    numbers: Sequence[str],
    signer: SigningKey,
    created: datetime,
) -> CredentialPlan:
    """Allocate the status values of ``numbers`` (in order), open the status lists they reach and prepare
    the stamps. ``subjects`` are the (subject type, code) pairs of the certificates. Raises
    ``SequenceOverflowError`` (never in practice) and the key errors of :func:`sign_as_authority`."""
    keyset = await load_keyset(session)
    key = _info(keyset, signer)
    taken = await allocate(session, status_scope(authority_code), len(numbers), max_value=MAX_STATUS_VALUE)
    values = dict(zip(numbers, taken, strict=True))
    lists = sorted({status_position(value).list_number for value in taken})
    await _open_lists(session, context, authority_code, lists, keyset=keyset, at=created)
    names = await SubjectNames.load(
        session, authorities={authority_code}, institutions={institution_code}, subjects=set(subjects)
    )
    return CredentialPlan(context=context, names=names, values=values, key=key, signer=signer, created=created)


async def _open_lists(
    session: AsyncSession,
    context: CredentialContext,
    authority_code: str,
    list_numbers: Sequence[int],
    *,
    keyset: KeySet,
    at: datetime,
) -> None:
    """Store a signed list with no bit set for each of ``list_numbers`` the authority does not have yet."""
    have = await existing_lists(session, authority_code, list_numbers)
    for list_number in list_numbers:
        if list_number in have:
            continue
        bits = Bitstring()
        data, kid = _signed_list(context, keyset, authority_code, list_number=list_number, bits=bits, at=at)
        session.add(
            StatusList(
                authority_code=authority_code,
                list_number=list_number,
                bits=bits.to_bytes(),
                kid=kid,
                credential=data,
                updated_at=at,
            )
        )
    await session.flush()


def _signed_list(
    context: CredentialContext, keyset: KeySet, authority_code: str, *, list_number: int, bits: Bitstring, at: datetime
) -> tuple[bytes, str]:
    """The signed status list credential of ``bits`` (by the authority's active key), and that key's id."""
    signer = signer_for(keyset, context.keystore, authority_code)
    document = build_status_list_credential(
        public_url=context.public_url,
        authority_code=authority_code,
        list_number=list_number,
        set_indices=bits,
        valid_from=at,
    )
    data = sign_as_authority(
        document, public_url=context.public_url, key=_info(keyset, signer), sign=signer.sign, created=at
    )
    return data, signer.kid


def _info(keyset: KeySet, signer: SigningKey) -> PublicKeyInfo:
    info = keyset.get(signer.kid)
    assert info is not None  # signer_for opened a key of this key set
    return info


async def mark_status(session: AsyncSession, context: CredentialContext, number: str, *, at: datetime) -> None:
    """Set the status bit of ``number`` (just revoked or superseded) and re-sign its list. A certificate
    without a credential yet (issued before credentials, not backfilled) has no bit: nothing to do."""
    credential = await credential_of(session, number)
    if credential is None:
        return
    await _set_bits(
        session, context, authority_code=credential.authority_code, list_number=credential.status_list,
        indices=[credential.status_index], at=at,
    )  # fmt: skip


async def _set_bits(
    session: AsyncSession,
    context: CredentialContext,
    *,
    authority_code: str,
    list_number: int,
    indices: Sequence[int],
    at: datetime,
) -> None:
    row = await lock_status_list(session, authority_code, list_number)
    keyset = await load_keyset(session)
    if row is None:  # a credential's list is opened when the credential is made; never missing in practice
        await _open_lists(session, context, authority_code, [list_number], keyset=keyset, at=at)
        row = await lock_status_list(session, authority_code, list_number)
        assert row is not None
    bits = Bitstring.from_bytes(row.bits)
    if all(bits.get(index) for index in indices):
        return
    for index in indices:
        bits.set(index)
    row.credential, row.kid = _signed_list(context, keyset, authority_code, list_number=list_number, bits=bits, at=at)
    row.bits = bits.to_bytes()
    row.updated_at = at
    await session.flush()


async def backfill(
    session: AsyncSession, context: CredentialContext, *, actor: str, at: datetime, limit: int
) -> list[str]:
    """Sign and store the credentials of up to ``limit`` certificates that have none (oldest log index
    first), each with a ``certificate.credential`` event, and set the bits of those already revoked or
    superseded; returns their numbers. Signed by each authority's *current* key at ``at``: the
    credential is new, so it gets today's key, while ``validFrom`` keeps the certificate's issue date."""
    rows = (
        await session.scalars(
            select(Certificate)
            .outerjoin(CertificateCredential, CertificateCredential.number == Certificate.number)
            .where(CertificateCredential.number.is_(None))
            .order_by(Certificate.log_index)
            .limit(limit)
        )
    ).all()
    if not rows:
        return []
    keyset = await load_keyset(session)
    names = await SubjectNames.load(
        session,
        authorities={row.authority_code for row in rows},
        institutions={row.institution_code for row in rows},
        subjects={(row.subject_type, row.subject_code) for row in rows},
    )
    made: list[NewCredential] = []
    for authority_code in sorted({row.authority_code for row in rows}):
        mine = [row for row in rows if row.authority_code == authority_code]
        signer = signer_for(keyset, context.keystore, authority_code)
        key = _info(keyset, signer)
        taken = await allocate(session, status_scope(authority_code), len(mine), max_value=MAX_STATUS_VALUE)
        lists = sorted({status_position(value).list_number for value in taken})
        await _open_lists(session, context, authority_code, lists, keyset=keyset, at=at)
        for row, value in zip(mine, taken, strict=True):
            view = names.view(row, status_position(value))
            data = sign_as_authority(
                build_credential(view, public_url=context.public_url, salt=new_salt()),
                public_url=context.public_url,
                key=key,
                sign=signer.sign,
                created=at,
            )
            made.append(
                NewCredential(
                    number=row.number, authority_code=authority_code, status_value=value, kid=key.kid, data=data
                )
            )
    await require_credential_references(session, made)  # no foreign keys behind them (migration 0013)
    await store_signed_later(session, made, actor=actor, at=at)
    changed = await statuses(session, [credential.number for credential in made])
    for credential in made:
        if changed.get(credential.number) and changed[credential.number].status is not CertificateStatus.VALID:
            position = credential.position
            await _set_bits(
                session, context, authority_code=credential.authority_code, list_number=position.list_number,
                indices=[position.index], at=at,
            )  # fmt: skip
    return [credential.number for credential in made]
