"""The enrollment rules, pure: birth orders, enrollment dates, class occupancy, roster rows."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from enrollment.domain.rules import Occupancy, Sibling, birth_order_problem, differing, enrollment_dates_problem
from enrollment.importing.rows import parse

D0 = date(2022, 9, 1)


def sibling(name: str, born: str, order: int) -> Sibling:
    return Sibling(name, date.fromisoformat(born), order)


def test_orders_with_gaps_and_consecutive_twins_are_consistent():
    assert birth_order_problem([sibling("A", "2019-01-01", 2), sibling("B", "2021-05-05", 3),
                                sibling("C", "2021-05-05", 4), sibling("D", "2022-01-01", 7)]) is None


def test_a_shared_order_an_elder_with_a_higher_order_and_twins_apart_are_each_refused():
    assert birth_order_problem([sibling("A", "2019-01-01", 1), sibling("B", "2020-01-01", 1)])[0] == "birth_order"
    assert "elder child has the lower order" in birth_order_problem(
        [sibling("A", "2019-01-01", 2), sibling("B", "2020-01-01", 1)])[1]
    assert "consecutive" in birth_order_problem([sibling("A", "2020-01-01", 1), sibling("B", "2020-01-01", 3)])[1]


def test_enrollment_dates_name_the_field_at_fault():
    birth, opened, closed = date(2021, 3, 10), date(2022, 9, 1), date(2023, 6, 30)
    assert enrollment_dates_problem(date(2021, 3, 9), None, birth, date(2020, 1, 1), None)[0] == "start"
    assert enrollment_dates_problem(date(2022, 9, 2), date(2022, 9, 1), birth, opened, None)[0] == "end"
    assert enrollment_dates_problem(date(2022, 8, 31), None, birth, opened, None)[0] == "start"
    assert enrollment_dates_problem(date(2022, 9, 1), None, birth, opened, closed)[0] == "end"
    assert enrollment_dates_problem(date(2022, 9, 1), closed, birth, opened, closed) is None


def test_the_same_record_again_differs_in_nothing_and_otherwise_in_the_fields_that_differ():
    created, now = {"a": 1, "end": None}, {"a": 1, "end": "2022-09-30"}
    assert differing({"a": 1, "end": None}, created, now) == []
    assert differing({"a": 1, "end": "2022-09-30"}, created, now) == []
    assert differing({"a": 2, "end": None}, created, now) == ["a"]


spans = st.lists(st.tuples(st.integers(0, 400), st.one_of(st.none(), st.integers(0, 200))), max_size=25)


@settings(max_examples=300, deadline=None)
@given(spans, st.integers(0, 500), st.one_of(st.none(), st.integers(0, 300)))
def test_occupancy_peak_is_the_most_children_on_any_day_of_the_span(existing, start, length):
    occupancy = Occupancy(capacity=100)
    days: dict[int, int] = {}
    for s, n in existing:
        occupancy.add(D0 + timedelta(s), None if n is None else D0 + timedelta(s + n))
        for d in range(s, s + (n if n is not None else 2000) + 1):
            days[d] = days.get(d, 0) + 1
    end = None if length is None else start + length
    expected = max(days.get(d, 0) for d in range(start, (end if end is not None else 2000) + 1))
    assert occupancy.peak(D0 + timedelta(start), None if end is None else D0 + timedelta(end)) == expected


@settings(max_examples=300, deadline=None)
@given(spans, spans, st.integers(0, 500), st.one_of(st.none(), st.integers(0, 300)))
def test_occupancy_built_from_spans_at_once_equals_adding_them_one_by_one(existing, later, start, length):
    def day(offset: int, length: int | None) -> tuple[date, date | None]:
        return D0 + timedelta(offset), None if length is None else D0 + timedelta(offset + length)

    at_once, one_by_one = Occupancy(100, [day(s, n) for s, n in existing]), Occupancy(100)
    for s, n in existing:
        one_by_one.add(*day(s, n))
    for s, n in later:  # both must go on growing alike
        at_once.add(*day(s, n))
        one_by_one.add(*day(s, n))
    span = day(start, length)
    assert at_once.peak(*span) == one_by_one.peak(*span)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.one_of(st.none(), st.integers(-3, 200)), st.integers(1, 40)),
                max_size=12),
       st.integers(0, 500), st.one_of(st.none(), st.integers(0, 300)))
def test_occupancy_of_spans_counted_equals_the_same_spans_each_listed_as_often(counted, start, length):
    def day(offset: int, length: int | None) -> tuple[date, date | None]:
        return D0 + timedelta(offset), None if length is None else D0 + timedelta(offset + length)

    grouped = Occupancy(100, [day(s, n) for s, n, _ in counted], [k for _, _, k in counted])
    listed = Occupancy(100, [day(s, n) for s, n, k in counted for _ in range(k)])
    span, later = day(start, length), day(start + 7, None)
    assert grouped.peak(*span) == listed.peak(*span)
    grouped.add(*later)
    listed.add(*later)
    assert grouped.peak(*span) == listed.peak(*span)


def test_a_roster_row_reports_every_problem_it_has():
    row, problems = parse(7, {"family": "F", "child": "K", "birth_date": "2022-02-30", "birth_order": "0",
                              "class": "C1", "enrollment": "", "care": "weekly", "monthly_fee": "1,000",
                              "start": "2022-09-01"}, date(2026, 1, 1))
    assert row is None
    assert [c for c, _ in problems] == ["enrollment", "birth_date", "birth_order", "care", "monthly_fee"]
    row, problems = parse(2, {"family": "F", "child": "K", "birth_date": "2021/3/10", "birth_order": "2",
                              "national_id": "33090320210310123x", "class": "C1", "enrollment": "E",
                              "monthly_fee": "2000", "start": "2022-09-01", "end": ""}, date(2026, 1, 1))
    assert problems == [] and row.care == "full_day" and row.fee_fen == 200000 and row.birth_date == date(2021, 3, 10)
