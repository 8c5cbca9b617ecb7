"""The province's calendar: which day a moment falls on, how a moment is shown, and the date arithmetic the
rules use (a filing valid three years, a pilot phase of six months). Every caller above ``keys`` uses this
module; see ``docs/rules.md`` ("The province's calendar").

Days are China Standard Time (UTC+8, no daylight saving): a statement carries only its issue *date*, and a
certificate issued at 00:30 in Changsha on 2 May is issued on 2 May although it is still 1 May in UTC.
The zone and the day function are defined in :mod:`keys.keyinfo`, because key validity windows are counted
in the same days and ``keys`` may import nothing of ours; this module is their one home for everyone else.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from keys.keyinfo import PROVINCE_TZ, province_day

__all__ = [
    "PROVINCE_TZ",
    "ProvinceToday",
    "add_months",
    "period_end",
    "province_day",
    "province_minute",
    "province_time_text",
    "province_time_zh",
]


class ProvinceToday:
    """The province's day, read from the wall clock at most once a second of ``clock``: the read path asks
    it for every number it parses, and a day changes once in 86,400 of those seconds."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._until = 0.0
        self._day = date.min

    def __call__(self) -> date:
        now = self._clock()
        if now >= self._until:
            self._until, self._day = now + 1.0, province_day(datetime.now(UTC))
        return self._day


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def period_end(start: date, months: int) -> date:
    """The last day of a period of ``months`` months that starts on ``start`` (both ends counted).

    "试点期不超过6个月，从考核项目发布之日起计算": published 15 Jan → last day 14 Jul; a three-year
    filing from 1 Jan 2024 ends on 31 Dec 2026.
    """
    return add_months(start, months) - timedelta(days=1)


def province_minute(moment: datetime) -> str:
    """``2025-06-08 10:00``: a moment as the province's clock shows it, to the minute (pages, tables)."""
    return moment.astimezone(PROVINCE_TZ).strftime("%Y-%m-%d %H:%M")


def province_time_text(moment: datetime) -> str:
    """``2025-06-08 10:00 (UTC+8)``: a moment in messages that are read outside the province too."""
    return f"{province_minute(moment)} (UTC+8)"


def province_time_zh(moment: datetime) -> str:
    """``2025年6月8日 10:00（北京时间）``: a moment on the public pages in Chinese."""
    local = moment.astimezone(PROVINCE_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"
