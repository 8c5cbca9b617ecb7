"""Rule: one valid certificate per holder, subject and level — checked again at issue time.

Import flags a holder who already has a valid certificate or sits in another pending batch, but two
uploads racing each other both pass that check (neither sees the other's rows yet), and a certificate may
have been issued between import and issue. So issuing looks again, under the issue lock
(:func:`issuer.batches.store.lock_issuing`: two issue calls never check at the same time), and refuses
the batch like :mod:`issuer.issuing.recheck` does for rules 1–6: nothing issued, every row named.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.batches.problems import RowProblem, bilingual
from issuer.batches.refstore import valid_certificates
from issuer.batches.rows import CheckedRow
from registry.vocab import CertificateKind


async def duplicate_rows(session: AsyncSession, kind: CertificateKind, rows: Sequence[CheckedRow]) -> list[RowProblem]:
    """A problem per row whose holder already holds a valid certificate of the same subject and level, or
    whose holder appears twice among ``rows`` for it (the later rows)."""
    existing = await valid_certificates(session, kind, {row.holder_id_digest for row in rows})
    first_row: dict[tuple[bytes, str, int], int] = {}
    problems: list[RowProblem] = []
    for row in rows:
        key = (row.holder_id_digest, row.subject_code, row.level)
        number = existing.get(key)
        if number is not None:
            problems.append(
                bilingual(
                    f"持证人已有同职业同等级的有效证书 {number} / the holder already has a valid "
                    f"certificate {number} for this subject and level",
                    row=row.row_no,
                    field="id_number",
                    code="duplicate.valid_certificate",
                )
            )
            continue
        earlier = first_row.setdefault(key, row.row_no)
        if earlier != row.row_no:
            problems.append(
                bilingual(
                    f"与第 {earlier} 行为同一持证人、同职业同等级 / the same holder, subject and level "
                    f"as row {earlier}",
                    row=row.row_no,
                    field="id_number",
                    code="duplicate.in_batch",
                )
            )
    return problems
