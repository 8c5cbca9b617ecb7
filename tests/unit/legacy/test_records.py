"""Checking legacy rows (``issuer/legacy/records.py``): one checker reads a whole file, keeping what it worked
out for the texts a file repeats (kinds, levels, dates, subject codes, statuses); a row must get the answer
a checker that never saw another row gives it — its record, or every problem at its own column."""

from __future__ import annotations

from datetime import date

from issuer.legacy.records import RecordChecker, map_header
from registry.rules.profiles import HUNAN
from registry.tabular import Row
from tests.integration.legacy.files import HEADER, mixed_rows, skill_rows

TODAY = date(2026, 12, 7)


def _checker() -> RecordChecker:
    index, missing = map_header(HEADER)
    assert not missing
    return RecordChecker(HUNAN, source="osta", header=HEADER, index=index, today=TODAY)


def _rows() -> list[Row]:
    good = skill_rows(4)
    cells = [*good, *mixed_rows()]
    bad = [list(row) for row in skill_rows(8, start=10)]
    bad[0][9] = "2021/07/01"  # a bad issue date ...
    bad[1][11], bad[1][12], bad[1][13] = "撤销", "2021/07/01", "lost"  # ... the same text as a revocation date
    bad[2][6] = "9"  # a level out of range, then the same level again
    bad[3][6] = "9"
    bad[4][1] = "职业技能等级证书X"  # an unknown kind
    bad[5][5] = "9-99"  # a bad occupation code, and a row with it and a good level
    bad[6][5], bad[6][6] = "9-99", "3"
    bad[7][11], bad[7][12] = "撤销", "2099-01-01"  # revoked after today, no reason
    rows = [*cells, *bad, *cells, *bad]  # every text met twice: the second time the checker knows it
    return [Row(at, tuple(row)) for at, row in enumerate(rows, start=2)]


def test_a_row_is_answered_as_by_a_checker_that_saw_no_other_row() -> None:
    shared = _checker()
    answers = [shared.check(row) for row in _rows()]
    assert answers == [_checker().check(row) for row in _rows()]
    problems = [p for answer in answers if isinstance(answer, list) for p in answer]
    assert {(p.field, p.code) for p in problems} >= {
        ("issued_on", "date.format"),
        ("revoked_on", "date.format"),
        ("level", "level.range"),
        ("kind", "legacy.kind"),
        ("subject_code", "occupation.format"),
        ("revoked_on", "legacy.revoked_on"),
        ("revoke_reason", "cell.required"),
    }
    assert sum(1 for a in answers if not isinstance(a, list)) == 2 * 7
