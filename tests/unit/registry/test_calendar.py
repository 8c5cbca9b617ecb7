"""The province's calendar (``registry/calendar.py``): days in UTC+8, month arithmetic, how moments read, and
that no other module computes the province's days on its own."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from registry import calendar as calendar_module
from registry.calendar import (
    ProvinceToday,
    add_months,
    period_end,
    province_day,
    province_minute,
    province_time_text,
    province_time_zh,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2021, 8, 31), 6, date(2022, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 1, 31), -2, date(2023, 11, 30)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_a_period_counts_its_first_day() -> None:
    assert period_end(date(2021, 1, 15), 6) == date(2021, 7, 14)  # 003:31, six months from publication
    assert period_end(date(2024, 1, 1), 36) == date(2026, 12, 31)  # a three-year filing
    assert period_end(date(2024, 2, 29), 12) == date(2025, 2, 27)


def test_days_and_moments_are_read_in_china_standard_time() -> None:
    late_in_utc = datetime(2026, 5, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 May in Changsha
    assert province_day(late_in_utc) == date(2026, 5, 2)
    assert province_minute(late_in_utc) == "2026-05-02 00:30"
    assert province_time_text(late_in_utc) == "2026-05-02 00:30 (UTC+8)"
    assert province_time_zh(late_in_utc) == "2026年5月2日 00:30（北京时间）"


_OWN_CALENDAR = re.compile(r"timedelta\(hours=8\)|astimezone\(PROVINCE_TZ\)|monthrange\(|import calendar\b")


def test_only_the_calendar_module_computes_province_days() -> None:
    """One home: ``keys/keyinfo.py`` defines the zone (keys imports nothing of ours), ``registry/calendar.py``
    does the rest; every other module asks it."""
    allowed = {ROOT / "keys" / "keyinfo.py", ROOT / "registry" / "calendar.py"}
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("keys", "registry", "verify", "issuer", "bench")
        for path in (ROOT / package).rglob("*.py")
        if path not in allowed and _OWN_CALENDAR.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_province_today_reads_the_wall_clock_at_most_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    reads: list[datetime] = []

    def day(moment: datetime) -> date:
        reads.append(moment)
        return date(2026, 5, 2)

    monkeypatch.setattr(calendar_module, "province_day", day)
    today = ProvinceToday(lambda: now[0])
    assert today() == date(2026, 5, 2)
    now[0] = 100.9
    assert today() == date(2026, 5, 2)
    assert len(reads) == 1
    now[0] = 101.0
    today()
    assert len(reads) == 2
