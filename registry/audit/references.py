"""Auditing what certificates and credentials refer to: every stored institution, authority, batch, key and
(for a credential) certificate must exist.

Migration 0012 dropped those four foreign keys of ``certificate`` and 0013 the three of
``certificate_credential`` (``COPY`` paid a look-up per row and key); issuing checks them once per stored set
(:func:`registry.certificates.require_references`, :func:`~registry.certificates.require_credential_references`)
and this check keeps the guarantee for rows written any other way (by hand, by a restore, by older code). One
statement per table: a scan anti-joined with the tables referred to, whatever the registry's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from registry.audit.findings import AuditReport, Finding
from registry.certificates import CREDENTIAL_REFERENCES, REFERENCES
from registry.models import Certificate, CertificateCredential

#: How a finding names the row: (zh, en) before its number in the message, and the record's prefix.
_CERTIFICATE = ("证书", "certificate", "certificate")
_CREDENTIAL = ("证书的凭证", "the credential of certificate", "credential")


async def audit_references(session: AsyncSession, report: AuditReport) -> None:
    """Report each certificate whose institution, authority, batch or key does not exist, and each stored
    credential whose certificate, authority or key does not (one finding per missing reference, in number
    order)."""
    await _dangling(
        session, report, Certificate.number, REFERENCES, finding=Finding.CERTIFICATE_DANGLING, names=_CERTIFICATE
    )
    await _dangling(
        session, report, CertificateCredential.number, CREDENTIAL_REFERENCES, finding=Finding.CREDENTIAL_DANGLING,
        names=_CREDENTIAL,
    )  # fmt: skip


async def _dangling(
    session: AsyncSession,
    report: AuditReport,
    number: InstrumentedAttribute[str],
    references: Sequence[tuple[InstrumentedAttribute[Any], InstrumentedAttribute[Any], str, str]],
    *,
    finding: Finding,
    names: tuple[str, str, str],
) -> None:
    """One anti-join of ``number``'s table with every table its ``references`` point to."""
    columns = []
    joins = []
    dangling = []
    for column, key, _, _ in references:
        target = aliased(key.class_)
        target_key = getattr(target, key.key)
        joins.append((target, target_key == column))
        columns.append(target_key)
        dangling.append(and_(column.is_not(None), target_key.is_(None)))
    query = select(number, *(column for column, *_ in references), *columns)
    for target, condition in joins:
        query = query.outerjoin(target, condition)
    rows = await session.execute(query.where(or_(*dangling)).order_by(number))
    width = len(references)
    zh_whose, en_whose, record = names
    for row in rows:
        value_of, stored, found = row[0], row[1 : 1 + width], row[1 + width :]
        for (_, _, zh, en), value, hit in zip(references, stored, found, strict=True):
            if value is not None and hit is None:
                report.add(
                    finding,
                    f"{record} {value_of}",
                    f"{zh_whose} {value_of} 引用的{zh} {value} 不存在 / {en_whose} {value_of} refers to {en} {value}, "
                    "which does not exist",
                )
