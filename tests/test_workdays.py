"""Working days around 国庆 2025 and in a year the holiday package does not know.

Expectations from the State Council's notice for 2025 (国办发明电〔2024〕12号):
国庆节、中秋节 1–8 October off; Sunday 28 September and Saturday 11 October worked.
"""

from datetime import date, timedelta

import pytest

from scoring import workdays
from scoring.workdays import Calendar, add_working_days, is_overdue, working_days_between


def test_make_up_days_count_and_holidays_do_not():
    assert workdays.is_workday(date(2025, 9, 28))  # Sunday, 调休上班
    assert workdays.is_workday(date(2025, 10, 11))  # Saturday, 调休上班
    assert not workdays.is_workday(date(2025, 10, 8))  # Wednesday, 中秋 off
    assert not workdays.is_workday(date(2025, 10, 12))  # plain Sunday
    assert workdays.is_workday(date(2025, 9, 30))


def test_add_working_days_across_national_day():
    # A complaint received on Friday 26 September 2025: 受理 within 1 working day is
    # Sunday the 28th; 办结 within 15: 28, 29, 30 Sep, 9, 10, 11, 13, 14, 15, 16, 17,
    # 20, 21, 22, 23 Oct → Thursday 23 October.
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert add_working_days(date(2025, 9, 26), 15) == date(2025, 10, 23)
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 3), 0) == date(2025, 10, 3)
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)


def test_working_days_between_inverts_add():
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 23)) == 15
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 10, 23), date(2025, 9, 26)) == -15
    for n in range(0, 30):
        assert working_days_between("2025-09-20", add_working_days("2025-09-20", n)) == n


def test_overdue_from_the_next_calendar_day():
    due = date(2025, 10, 23)
    assert not is_overdue(due, date(2025, 10, 23))
    assert is_overdue(due, date(2025, 10, 24))
    assert not is_overdue(due, date(2025, 10, 1))


def test_unknown_year_falls_back_to_weekends_and_says_so():
    last = max(workdays.known_years())
    year = last + 1
    cal = Calendar()
    assert not cal.is_known(year)
    first_monday = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() == 0)
    saturday = first_monday.replace(day=first_monday.day + 5)
    assert cal.is_workday(first_monday) and not cal.is_workday(saturday)
    assert cal.unknown_years(date(last, 12, 1), date(year, 2, 1)) == [year]
    assert f"{year}年" in cal.note(date(last, 12, 1), date(year, 2, 1))
    assert cal.note(date(2025, 1, 1), date(2025, 12, 31)) == ""


def test_office_overrides_win():
    # 2027 is not in chinesecalendar 1.11; the office adds New Year's Day (Friday) off
    # and a make-up Saturday.
    cal = Calendar.from_table(
        {"extra_holidays": ["2027-01-01"], "extra_working_days": ["2027-01-09"]}
    )
    assert add_working_days(date(2026, 12, 31), 1, cal) == date(2027, 1, 4)
    assert working_days_between(date(2027, 1, 4), date(2027, 1, 11), cal) == 6
    # An override also wins in a published year (a local holiday).
    local = Calendar.of(extra_holidays=[date(2025, 9, 29)])
    assert add_working_days(date(2025, 9, 28), 1, local) == date(2025, 9, 30)


def test_contradictory_overrides_are_refused():
    with pytest.raises(ValueError, match="2027-01-01"):
        Calendar.of(["2027-01-01"], ["2027-01-01"])


def test_same_answer_as_the_package_for_every_day_it_knows():
    import chinese_calendar

    cal = Calendar()
    day = date(min(workdays.known_years()), 1, 1)
    end = date(max(workdays.known_years()), 12, 31)
    while day <= end:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
