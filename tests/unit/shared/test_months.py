"""Months: written and read back the same, their days without gap or overlap, refused text said plainly."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from tuoyu.months import PATTERN, Month, api_month

months = st.builds(Month, st.integers(1, 9999), st.integers(1, 12))
inner = st.builds(Month, st.integers(2, 9998), st.integers(1, 12))  # with a month on each side


@given(months)
def test_a_month_reads_back_from_how_it_is_written(month):
    assert Month.parse(str(month)) == month
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}", str(month))


@given(months)
def test_a_month_runs_from_its_first_to_its_last_day(month):
    assert month.first_day.day == 1
    assert (month.last_day - month.first_day).days + 1 == month.days
    assert Month.of(month.first_day) == Month.of(month.last_day) == month
    assert month.days in (28, 29, 30, 31)


@given(inner)
def test_next_and_previous_months_touch_without_a_gap(month):
    assert month.next().first_day == month.last_day + timedelta(days=1)
    assert month.previous().last_day == month.first_day - timedelta(days=1)
    assert month.next().previous() == month == month.previous().next()
    assert month.previous() < month < month.next()


@given(st.dates())
def test_every_day_falls_in_its_month(day):
    month = Month.of(day)
    assert month.first_day <= day <= month.last_day


@given(months, months)
def test_months_order_as_time_and_as_text(a, b):
    assert (a < b) == (a.first_day < b.first_day) == (str(a) < str(b))


@given(st.text(max_size=12))
def test_text_that_is_not_a_month_is_refused_saying_what_a_month_looks_like(text):
    try:
        month = Month.parse(text)
    except ValueError as exc:
        assert str(exc).endswith('is not a month such as "2022-09"')
    else:
        assert str(month) == text.strip()


@pytest.mark.parametrize("text", ["2022-9", "2022-13", "2022-00", "0000-01", "Sept 2022", "２０２２-０９", "2022-09-01"])
def test_near_misses_are_refused(text):
    with pytest.raises(ValueError, match="is not a month such as"):
        Month.parse(text)


def test_the_days_of_february_follow_leap_years():
    assert (Month(2024, 2).days, Month(2023, 2).days, Month(1900, 2).days, Month(2000, 2).days) == (29, 28, 28, 29)
    assert Month(2022, 9).last_day == date(2022, 9, 30)
    assert str(Month(2022, 12).next()) == "2023-01" and str(Month(2023, 1).previous()) == "2022-12"


@given(months)
def test_the_apis_take_exactly_the_months_of_2000_to_2099(month):
    taken = 2000 <= month.year <= 2099
    assert bool(re.fullmatch(PATTERN, str(month))) == taken
    if taken:
        assert api_month(str(month)) == str(month)
    else:
        with pytest.raises(ValueError, match="is not a month such as"):
            api_month(str(month))


def test_a_family_reads_a_month_in_chinese():
    assert Month(2022, 9).in_chinese() == "2022年9月"
