"""Auditing what certificates refer to: every stored institution, authority, batch and key must exist.

Migration 0012 dropped those four foreign keys of ``certificate`` (``COPY`` paid a look-up per row and key);
issuing checks them once per stored batch (:func:`registry.certificates.require_references`) and this
check keeps the guarantee for rows written any other way (by hand, by a restore, by older code). One
statement: a scan of ``certificate`` anti-joined with the four small tables, whatever the registry's size.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from registry.audit.findings import AuditReport, Finding
from registry.certificates import REFERENCES
from registry.models import Certificate


async def audit_references(session: AsyncSession, report: AuditReport) -> None:
    """Report each certificate whose institution, authority, batch or key does not exist (one finding per
    missing reference, in number order)."""
    columns = []
    joins = []
    dangling = []
    for column, key, _, _ in REFERENCES:
        target = aliased(key.class_)
        target_key = getattr(target, key.key)
        joins.append((target, target_key == column))
        columns.append(target_key)
        dangling.append(and_(column.is_not(None), target_key.is_(None)))
    query = select(Certificate.number, *(column for column, *_ in REFERENCES), *columns)
    for target, condition in joins:
        query = query.outerjoin(target, condition)
    rows = await session.execute(query.where(or_(*dangling)).order_by(Certificate.number))
    width = len(REFERENCES)
    for row in rows:
        number, stored, found = row[0], row[1 : 1 + width], row[1 + width :]
        for (_, _, zh, en), value, hit in zip(REFERENCES, stored, found, strict=True):
            if value is not None and hit is None:
                report.add(
                    Finding.CERTIFICATE_DANGLING,
                    f"certificate {number}",
                    f"证书 {number} 引用的{zh} {value} 不存在 / certificate {number} refers to {en} {value}, "
                    "which does not exist",
                )
