"""The legal calendar: pure logic, no app or database needed.

The 2026 facts below were checked against the chinese-calendar package data (1.11.0), which
follows the State Council's 2026 notice: 春节 02-15..02-23 with make-up Saturdays 02-14 and
02-28; 中秋 09-25..09-27; 国庆节 10-01..10-07 with make-up Sunday 09-20 and Saturday 10-10.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforcement.core import workdays as w
from enforcement.core.workdays import LegalCalendar, Result, YearCalendar

D = date
# conftest's autouse database fixture is function-scoped; these tests do not use it.
props = settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])

PACKAGE = LegalCalendar()
ENTERED_2027 = YearCalendar(
    2027,
    holidays={D(2027, 1, 1): "元旦", D(2027, 5, 3): "劳动节", D(2027, 5, 4): "劳动节"},
    makeup_workdays={D(2027, 5, 8): "劳动节"},
)
WITH_2027 = LegalCalendar({2027: ENTERED_2027})


def official(value) -> Result:
    return Result(value, False, ())


@pytest.fixture(autouse=True)
def package_calendar_by_default():
    """The app registers a database-backed provider; these tests use the package data only."""
    previous = w.set_calendar_provider(None)
    yield
    w.set_calendar_provider(previous)


# --- the package data we rely on ------------------------------------------------------------


def test_2026_package_data_as_asserted_below():
    data = PACKAGE.year_calendar(2026)
    assert [D(2026, 2, d) for d in range(15, 24)] == [
        d for d in sorted(data.holidays) if d.month == 2]
    assert set(data.makeup_workdays) == {
        D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20),
        D(2026, 10, 10)}
    assert PACKAGE.official_years() == tuple(range(2004, 2027))
    assert PACKAGE.year_calendar(2027) is None


# --- hand-checked cases -----------------------------------------------------------------------


@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 2, 13), True),   # Friday before 春节
    (D(2026, 2, 14), True),   # make-up Saturday
    (D(2026, 2, 16), False),  # 春节 (Monday)
    (D(2026, 2, 23), False),  # last day of 春节 (Monday)
    (D(2026, 2, 24), True),
    (D(2026, 2, 28), True),   # make-up Saturday
    (D(2026, 3, 1), False),   # ordinary Sunday
    (D(2026, 10, 1), False),
    (D(2026, 10, 7), False),
    (D(2026, 10, 8), True),
    (D(2026, 10, 10), True),  # make-up Saturday after 国庆节
    (D(2026, 10, 11), False),
])
def test_is_workday_2026(day, expected):
    assert w.is_workday(day) == official(expected)


def test_add_workdays_across_holidays():
    assert w.add_workdays(D(2026, 9, 30), 1) == official(D(2026, 10, 8))
    assert w.add_workdays(D(2026, 10, 9), 1) == official(D(2026, 10, 10))
    # 5 working days from a notice received on 02-12: 02-13, 02-14 (Sat, make-up), 02-24..26.
    assert w.add_workdays(D(2026, 2, 12), 5) == official(D(2026, 2, 26))
    assert w.add_workdays(D(2026, 2, 15), 0) == official(D(2026, 2, 15))  # start never counts


def test_add_days_rolls_forward():
    assert w.add_days(D(2026, 9, 25), 6) == official(D(2026, 10, 8))  # 10-01 is 国庆节
    assert w.add_days(D(2026, 10, 3), 7) == official(D(2026, 10, 10))  # a make-up Saturday
    assert w.add_days(D(2026, 2, 20), 15) == official(D(2026, 3, 9))  # Sat 03-07 → Mon 03-09


def test_add_months():
    assert w.add_months(D(2026, 8, 31), 1) == official(D(2026, 9, 30))
    # 01-31 + 1 month = 02-28 (no 02-31); 02-28 is a make-up Saturday, hence a working day, so
    # no roll-over to Monday 03-02.
    assert w.add_months(D(2026, 1, 31), 1) == official(D(2026, 2, 28))
    assert w.add_months(D(2025, 11, 30), 3) == official(D(2026, 2, 28))  # same reason
    assert w.add_months(D(2026, 3, 31), 6) == official(D(2026, 9, 30))  # a Wednesday
    assert w.add_months(D(2026, 1, 17), 1) == official(D(2026, 2, 24))  # 02-17 is 春节


def test_add_months_more():
    assert w.add_months(D(2026, 4, 1), 6) == official(D(2026, 10, 8))  # 10-01 → 10-08
    assert w.add_months(D(2024, 2, 29), 12) == official(D(2025, 2, 28))  # Friday
    assert w.add_months(D(2026, 5, 15), 0) == official(D(2026, 5, 15))


def test_next_workday_and_between():
    assert w.next_workday(D(2026, 2, 15)) == official(D(2026, 2, 24))
    assert w.next_workday(D(2026, 2, 14)) == official(D(2026, 2, 14))
    assert w.workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == official(3)  # 10-08, 09, 10
    assert w.workdays_between(D(2026, 10, 10), D(2026, 9, 30)) == official(0)


def test_legal_workdays_matches_a_day_by_day_count():
    for year in (2024, 2025, 2026):
        days = [D(year, 1, 1) + timedelta(i) for i in range(366)]
        expected = sum(w.is_workday(d).value for d in days if d.year == year)
        assert w.legal_workdays(year) == official(expected)
    assert w.legal_workdays(2026).value == 248


def test_holiday_names():
    assert w.holiday_name(D(2026, 2, 17)) == "春节"
    assert w.holiday_name(D(2026, 10, 1)) == "国庆节"
    assert w.holiday_name(D(2026, 10, 10)) is None
    assert w.holiday_name(D(2027, 1, 1)) is None
    assert w.holiday_name(D(2027, 1, 1), WITH_2027) == "元旦"


# --- years without data, entered years --------------------------------------------------------


def test_2027_without_data_is_weekends_only_and_provisional():
    assert w.is_workday(D(2027, 1, 1)) == Result(True, True, (2027,))  # a Friday
    assert w.is_workday(D(2027, 1, 2)) == Result(False, True, (2027,))
    assert w.add_workdays(D(2027, 4, 30), 1) == Result(D(2027, 5, 3), True, (2027,))
    assert w.legal_workdays(2027) == Result(261, True, (2027,))


def test_entered_2027_is_official_and_respected():
    assert WITH_2027.official_years()[-1] == 2027
    assert w.is_workday(D(2027, 1, 1), WITH_2027) == official(False)
    assert w.add_workdays(D(2027, 4, 30), 1, WITH_2027) == official(D(2027, 5, 5))
    assert w.is_workday(D(2027, 5, 8), WITH_2027) == official(True)  # make-up Saturday
    assert w.legal_workdays(2027, WITH_2027) == official(261 - 3 + 1)


def test_spanning_into_a_year_without_data_is_provisional():
    result = w.add_workdays(D(2026, 12, 28), 10)
    assert result.provisional and result.years_without_data == (2027,)
    assert w.add_workdays(D(2026, 12, 28), 10, WITH_2027).provisional is False
    assert w.workdays_between(D(2026, 12, 1), D(2028, 1, 5), WITH_2027).years_without_data == (
        2028,)


def test_entered_data_overrides_the_package():
    corrected = YearCalendar(2026, holidays={D(2026, 10, 1): "国庆节"})
    cal = LegalCalendar({2026: corrected})
    assert w.is_workday(D(2026, 10, 2), cal) == official(True)
    assert w.is_workday(D(2026, 10, 10), cal) == official(False)


def test_provider_supplies_the_default():
    w.set_calendar_provider(lambda: WITH_2027)
    assert w.is_workday(D(2027, 1, 1)) == official(False)
    assert w.set_calendar_provider(None)() is WITH_2027  # returns the previous provider
    assert w.is_workday(D(2027, 1, 1)).provisional


def test_year_calendar_is_immutable_and_validated():
    with pytest.raises(TypeError):
        ENTERED_2027.holidays[D(2027, 10, 1)] = "国庆节"  # type: ignore[index]
    with pytest.raises(ValueError, match="other years"):
        YearCalendar(2027, holidays={D(2028, 1, 1): "元旦"})
    with pytest.raises(ValueError, match="Saturdays or Sundays"):
        YearCalendar(2027, makeup_workdays={D(2027, 5, 7): "劳动节"})
    with pytest.raises(ValueError, match="both"):
        YearCalendar(2027, holidays={D(2027, 5, 8): "x"}, makeup_workdays={D(2027, 5, 8): "x"})
    with pytest.raises(ValueError, match="wrong year"):
        LegalCalendar({2028: ENTERED_2027})


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: w.add_workdays(D(2026, 1, 5), -1), "n must be >= 0"),
    (lambda: w.add_days(D(2026, 1, 5), -3), "n must be >= 0"),
    (lambda: w.add_months(D(2026, 1, 5), 1.5), "n must be an int"),
    (lambda: w.add_workdays(D(2026, 1, 5), True), "n must be an int"),
    (lambda: w.is_workday(D(2003, 12, 31)), "outside the supported range"),
    (lambda: w.next_workday(D(2101, 1, 1)), "outside the supported range"),
    (lambda: w.add_days(D(2100, 12, 1), 31), "after 2100-12-31"),
    (lambda: w.add_workdays(D(2100, 12, 1), 40), "after 2100-12-31"),
    (lambda: w.add_months(D(2100, 12, 1), 1), "after 2100-12-31"),
    (lambda: w.add_days(D(2026, 1, 5), 10**12), "after 2100-12-31"),
    (lambda: w.add_months(D(2026, 1, 5), 10**12), "after 2100-12-31"),
    (lambda: w.add_workdays(D(2026, 1, 5), 10**12), "after 2100-12-31"),
    (lambda: w.is_workday(datetime(2026, 1, 5, 9)), "must be a datetime.date, not datetime"),
    (lambda: w.add_workdays("2026-01-05", 1), "must be a datetime.date, not str"),
    (lambda: w.workdays_between(D(2026, 1, 5), None), "b must be a datetime.date"),
    (lambda: w.legal_workdays(2003), "year must be >= 2004 and <= 2100"),
    (lambda: w.legal_workdays("2026"), "year must be an int"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- properties -------------------------------------------------------------------------------

dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2095, 12, 31))
counts = st.integers(min_value=0, max_value=1000)
calendars = st.sampled_from([PACKAGE, WITH_2027])


@props
@given(dates, st.integers(min_value=1, max_value=1000), calendars)
def test_add_workdays_lands_on_the_nth_workday(start, n, cal):
    end = w.add_workdays(start, n, cal).value
    assert w.is_workday(end, cal).value
    assert w.workdays_between(start, end, cal).value == n
    assert w.workdays_between(start, end - timedelta(1), cal).value == n - 1


@props
@given(dates, counts, counts, calendars)
def test_add_workdays_is_monotonic(start, m, n, cal):
    m, n = sorted((m, n))
    assert w.add_workdays(start, m, cal).value <= w.add_workdays(start, n, cal).value


@props
@given(dates, counts, calendars)
def test_add_days_is_a_workday_on_or_after_the_plain_sum(start, n, cal):
    end = w.add_days(start, n, cal).value
    assert end >= start + timedelta(n)
    assert w.is_workday(end, cal).value
    assert w.workdays_between(start + timedelta(n), end - timedelta(1), cal).value == 0


@props
@given(dates, calendars)
def test_next_workday_is_idempotent(d, cal):
    once = w.next_workday(d, cal).value
    assert once >= d and w.next_workday(once, cal).value == once


@props
@given(dates, dates, dates, calendars)
def test_workdays_between_is_additive(a, b, c, cal):
    a, b, c = sorted((a, b, c))
    total = w.workdays_between(a, c, cal).value
    assert total == w.workdays_between(a, b, cal).value + w.workdays_between(b, c, cal).value


@props
@given(dates, st.integers(min_value=0, max_value=60))
def test_provisional_iff_a_consulted_year_lacks_data(start, n):
    result = w.add_workdays(start, n)
    consulted = range((start + timedelta(1)).year, result.value.year + 1) if n else range(0)
    assert result.years_without_data == tuple(y for y in consulted if y > 2026)
    assert result.provisional == bool(result.years_without_data)
