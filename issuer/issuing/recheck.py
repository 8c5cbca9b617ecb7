"""Rules 1–6 again at issue time, once per distinct (subject, level) of a batch.

The rows passed these rules at import, but a filing may have been suspended or revoked, an occupation
cancelled or a project withdrawn since: issuing re-checks against the assessment date and refuses the whole
batch (nothing is issued) with every row that no longer passes, and says how to go on: hold those rows
(``POST /v1/batches/{id}/hold``) and issue the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.batches.problems import RowProblem, from_violation
from issuer.batches.rows import CheckedRow
from issuer.issuing.errors import IneligibleError
from registry.rule_views import occupation_views, project_views
from registry.rules.eligibility import EligibilityContext
from registry.vocab import CertificateKind

MAX_REPORTED_PROBLEMS = 1000


async def recheck_rows(
    session: AsyncSession,
    context: EligibilityContext,
    kind: CertificateKind,
    assessed_on: date,
    rows: Sequence[CheckedRow],
) -> list[RowProblem]:
    """Rules 1–6 again, once per distinct (subject, level): the rows passed at import, but a filing or the
    catalogue may have changed since."""
    subjects = {row.subject_code for row in rows}
    occupations = await occupation_views(session, subjects) if kind.has_level else {}
    projects = {} if kind.has_level else await project_views(session, subjects)
    verdicts: dict[tuple[str, int], list[RowProblem]] = {}
    problems: list[RowProblem] = []
    for row in rows:
        key = (row.subject_code, row.level)
        found = verdicts.get(key)
        if found is None:
            violations = context.check(
                kind=kind,
                occupation=occupations.get(row.subject_code),
                project=projects.get(row.subject_code),
                level=row.level if kind.has_level else None,
                assessed_on=assessed_on,
            )
            found = [from_violation(v, field=v.field or "") for v in violations]
            verdicts[key] = found
        problems += [msgspec.structs.replace(p, row=row.row_no) for p in found]
    return problems


def raise_if_problems(problems: list[RowProblem], total: int, *, batch_id: int) -> None:
    """Raise :class:`IneligibleError` listing (up to 1,000 of) ``problems``, if there are any, and what the
    reviewer can do: hold those rows (they wait, then are released or excluded) and issue the others. The
    HTTP answer adds the route that holds them (``issuer.http_errors``): a service speaks no HTTP."""
    if problems:
        rows = len({p.row for p in problems})
        raise IneligibleError(
            f"批次 {batch_id} 有 {rows} 行不符合发证条件，本批次未发证；可暂缓这些行后发证其余行 / "
            f"{rows} of {total} rows of batch {batch_id} cannot be issued; nothing was issued; hold these rows to "
            "issue the others",
            problems[:MAX_REPORTED_PROBLEMS],
            batch_id=batch_id,
        )
