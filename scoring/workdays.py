"""Working days (工作日) with China's public holidays and 调休 make-up working days.

Time limits in the office's work (受理 within 1 working day, 办结 within 15, 整改
within 30) count working days: weekends and public holidays do not count, and the
Saturdays or Sundays the State Council declares working days (调休上班) do. The
State Council publishes each year's holidays in November or December of the year
before; the ``chinesecalendar`` package carries them (1.11: 2004–2026).

For a year the package does not know, a day is a working day when it is Monday to
Friday, unless the office's own list says otherwise: ``Calendar`` takes extra
holidays and extra working days (from the scheme's ``[calendar]`` table or a
parameter), which also override the package for a known year. Such a calculation is
an estimate until the holidays are published; ``Calendar.unknown_years`` names the
years concerned so that pages and reports can say so (``Calendar.note``).

Counting convention (the usual one for 时限): the day something arrives is day 0;
``add_working_days(start, n)`` is the n-th working day after ``start``, and a
deadline falls due at the end of its day: ``is_overdue(due, today)`` is true from
the next calendar day on.

>>> from datetime import date
>>> cal = Calendar()
>>> cal.add_working_days(date(2025, 9, 26), 1)  # Friday → 调休 Sunday 28 September
datetime.date(2025, 9, 28)
>>> cal.working_days_between(date(2025, 9, 30), date(2025, 10, 9))  # across 国庆
1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar

__all__ = [
    "Calendar",
    "add_working_days",
    "is_overdue",
    "is_workday",
    "known_years",
    "working_days_between",
]

_KNOWN_HOLIDAYS = getattr(chinese_calendar, "holidays", {})
_KNOWN_WORKDAYS = getattr(chinese_calendar, "workdays", {})


def known_years() -> range:
    """The years whose holidays the installed ``chinesecalendar`` carries."""
    days = [*_KNOWN_HOLIDAYS, *_KNOWN_WORKDAYS]
    if not days:
        return range(0)
    return range(min(days).year, max(days).year + 1)


_KNOWN = known_years()


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def _dates(values: Iterable[date | datetime | str] | None) -> frozenset[date]:
    return frozenset(_as_date(v) for v in (values or ()))


@dataclass(frozen=True)
class Calendar:
    """The office's working-day calendar: the published holidays plus its own overrides.

    ``extra_holidays`` are days off the package does not know (a year not yet
    published, a local holiday); ``extra_working_days`` are days worked that it does
    not know (a year's 调休 Saturdays). An override wins over the package.
    """

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        extra_holidays: Iterable[date | datetime | str] | None = None,
        extra_working_days: Iterable[date | datetime | str] | None = None,
    ) -> Calendar:
        """A calendar from lists of dates (``date`` objects or ``YYYY-MM-DD`` text)."""
        holidays, working = _dates(extra_holidays), _dates(extra_working_days)
        both = sorted(holidays & working)
        if both:
            raise ValueError(
                "同一天不能既是补充节假日又是补充工作日：" + "、".join(d.isoformat() for d in both)
            )
        return cls(holidays, working)

    @classmethod
    def from_table(cls, table: Mapping[str, Any] | None) -> Calendar:
        """A calendar from a scheme's ``[calendar]`` table (``extra_holidays``,
        ``extra_working_days``: lists of dates); an absent table is the plain calendar."""
        table = table or {}
        return cls.of(table.get("extra_holidays"), table.get("extra_working_days"))

    def is_known(self, year: int) -> bool:
        """Whether ``year``'s holidays are published (in the package) — otherwise the
        calendar uses weekends and the office's overrides only."""
        return year in _KNOWN

    def is_workday(self, day: date | datetime | str) -> bool:
        """Whether ``day`` is a working day (工作日)."""
        day = _as_date(day)
        if day in self.extra_holidays:
            return False
        if day in self.extra_working_days:
            return True
        if day.year in _KNOWN:
            # chinesecalendar's own rule (a 调休 day works; a weekday off when a holiday),
            # read from its tables directly: its is_workday scans the whole table per call.
            return day in _KNOWN_WORKDAYS or (day.weekday() < 5 and day not in _KNOWN_HOLIDAYS)
        return day.weekday() < 5

    def add_working_days(self, start: date | datetime | str, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is day 0, whatever
        it is); ``n`` = 0 gives ``start``; a negative ``n`` counts backwards."""
        day = _as_date(start)
        step = 1 if n >= 0 else -1
        left = abs(int(n))
        while left:
            day += timedelta(days=step)
            if self.is_workday(day):
                left -= 1
        return day

    def working_days_between(self, start: date | datetime | str, end: date | datetime | str) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when
        ``end`` is earlier), so that ``working_days_between(a, add_working_days(a, n))
        == n`` for n ≥ 0 — the time a stage took, in working days."""
        a, b = _as_date(start), _as_date(end)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def unknown_years(self, start: date | datetime | str, end: date | datetime | str) -> list[int]:
        """The years between two dates whose holidays the package does not carry."""
        a, b = sorted((_as_date(start), _as_date(end)))
        return [y for y in range(a.year, b.year + 1) if y not in _KNOWN]

    def note(self, start: date | datetime | str, end: date | datetime | str) -> str:
        """A Chinese sentence for pages and reports when a span reaches a year whose
        holidays are unknown; empty when every year is known."""
        years = self.unknown_years(start, end)
        if not years:
            return ""
        span = f"{_KNOWN.start}–{_KNOWN.stop - 1}年" if len(_KNOWN) else "任何年份"
        listed = "、".join(f"{y}年" for y in years)
        return (
            f"{listed}的法定节假日和调休尚未收录（日历只收录{span}），"
            "工作日按周一至周五加本办补充的节假日和调休日计算，期限仅供参考。"
        )


_PLAIN = Calendar()


def is_workday(day: date | datetime | str, calendar: Calendar | None = None) -> bool:
    """Whether ``day`` is a working day (see ``Calendar.is_workday``)."""
    return (calendar or _PLAIN).is_workday(day)


def add_working_days(
    start: date | datetime | str, n: int, calendar: Calendar | None = None
) -> date:
    """The ``n``-th working day after ``start`` (see ``Calendar.add_working_days``).

    >>> add_working_days("2025-09-30", 1)  # 1–8 October 2025 off (国庆 and 中秋)
    datetime.date(2025, 10, 9)
    """
    return (calendar or _PLAIN).add_working_days(start, n)


def working_days_between(
    start: date | datetime | str,
    end: date | datetime | str,
    calendar: Calendar | None = None,
) -> int:
    """Working days after ``start`` up to and including ``end``."""
    return (calendar or _PLAIN).working_days_between(start, end)


def is_overdue(due: date | datetime | str, today: date | datetime | str) -> bool:
    """Whether a deadline has passed: the due day itself is still in time, the next
    calendar day is overdue (whether or not it is a working day)."""
    return _as_date(today) > _as_date(due)
