"""Reads one month's facts from the projection into the engine's columns, with the labels to name each row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import asyncpg
import numpy as np

from subsidy import jurisdiction_store
from subsidy.rules.family import sibling_groups
from subsidy.rules.facts import OPEN_END, ChildFacts, ClassFacts, EnrollmentFacts, Facility, FeePeriods, MonthFacts
from tuoyu.money import parse_rate
from tuoyu.months import Month


_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Labels:
    """External ids for the rows of `MonthFacts`: what billing and people call them."""

    facilities: list[str]
    enrollment: np.ndarray  # object arrays, one per enrollment row
    child: np.ndarray
    family: np.ndarray
    facility_of_enrollment: np.ndarray
    in_range: int | None = None
    """The first `in_range` facilities are those asked for; the rest, and their rows, are context (`load_month`).
    None: every facility is."""


def _facility(row) -> Facility:
    return Facility(
        external_id=row["external_id"], kind=row["kind"], serves_meals=row["serves_meals"], filed_on=row["filed_on"],
        fire_safety_certified_on=row["fire_safety_certified_on"], food_licence_on=row["food_licence_on"],
        revoked_on=row["revoked_on"],
        rates=tuple((date.fromisoformat(r["from"]), parse_rate(r["rate"])) for r in json.loads(row["rates"])),
        reviews=tuple((date.fromisoformat(r["date"]), r["result"]) for r in json.loads(row["reviews"])),
    )


def _day(d: date) -> int:
    return (d - _EPOCH).days


def _fee_periods(fees, ids: np.ndarray, start: np.ndarray, end: np.ndarray, first: int, last: int):
    """Each fee run cut to its enrollment's days in the month: (row, first day, last day, fee), ordered by row
    then day. A run lasts until the day before the enrollment's next run."""
    if not fees:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    enrollment, from_day, fee = (np.array(c, dtype=np.int64) for c in zip(*fees))
    same = np.append(enrollment[1:] == enrollment[:-1], False)
    next_from = np.where(same, np.append(from_day[1:], 0), np.iinfo(np.int64).max // 2)
    by_id = np.argsort(ids, kind="stable")
    row = by_id[np.searchsorted(ids[by_id], enrollment)]
    s = np.maximum(np.maximum(from_day, start[row]), first)
    t = np.minimum(np.minimum(next_from - 1, end[row]), last)
    keep = np.nonzero(s <= t)[0]
    order = keep[np.lexsort((s[keep], row[keep]))]
    return row[order], s[order], t[order], fee[order]


_ENROLLMENTS = (
    "SELECT e.id, e.facility, e.external_id, e.start_on - $4::date AS start_day, "
    "coalesce(e.end_on - $4::date, $5::int) AS end_day, e.child_id, c.external_id AS child, "
    "c.birth_date - $4::date AS birth_day, c.birth_order, c.family_id, fa.external_id AS family, fa.household "
    "FROM enrollments e JOIN children c ON c.id = e.child_id JOIN families fa ON fa.id = c.family_id "
    "WHERE e.start_on <= $2 AND coalesce(e.end_on, 'infinity') >= $1 ")
_FEES = (
    "SELECT ef.enrollment_id, ef.effective_from - $4::date AS from_day, ef.fee_fen FROM enrollment_fees ef "
    "JOIN enrollments e ON e.id = ef.enrollment_id WHERE e.start_on <= $2 AND coalesce(e.end_on, 'infinity') >= $1 ")

FacilityRange = tuple[str | None, str | None]
"""Facilities whose external_id is in [from, to): None leaves that side open."""


async def load_month(conn: asyncpg.Connection, month: Month, jurisdiction: str,
                     facilities: FacilityRange = (None, None)) -> tuple[MonthFacts, Labels]:
    """The month's facts of the facilities `jurisdiction` governs in it (`jurisdiction_store`), all or a range.

    A household spans facilities and jurisdictions (POLICY "Households"), so when some facility is left out the
    facts also hold, after the chosen ones', the month's enrollments of their households' children at the others,
    with those facilities: the ranks of its children count them. They are context only: `Labels.in_range`
    facilities come first, the answer is theirs."""
    first, last = month.first_day, month.last_day
    governs = await jurisdiction_store.governed(conn, month)
    # The range is compared in SQL, in the database's collation, as `batches` cut it.
    facility_rows = await conn.fetch(
        "SELECT * FROM facilities WHERE external_id = ANY($1) AND ($2::text IS NULL OR external_id >= $2) "
        "AND ($3::text IS NULL OR external_id < $3) ORDER BY external_id",
        [facility for facility, code in governs.items() if code == jurisdiction], *facilities)
    in_range = [r["external_id"] for r in facility_rows]
    # Dates arrive as day numbers (days since 1970-01-01, numpy's datetime64[D]) and every column is built with
    # one vector operation: at a million enrollments, per-row Python here was most of a billing cycle.
    rows = list(await conn.fetch(_ENROLLMENTS + "AND e.facility = ANY($3) ORDER BY e.facility, e.external_id",
                                 first, last, in_range, _EPOCH, int(OPEN_END.view(np.int64))))
    # Every fee run of those enrollments, in date order; a run lasts until the next one starts (numpy, below).
    fees = list(await conn.fetch(_FEES + "AND e.facility = ANY($3) ORDER BY ef.enrollment_id, ef.effective_from",
                                 first, last, in_range, _EPOCH))
    households = await conn.fetchval("SELECT array_agg(DISTINCT household) FROM families WHERE facility = ANY($1) "
                                     "AND household IS NOT NULL", in_range) if len(in_range) < len(governs) else None
    if households:  # asked only where there are some: without, the query would read every enrollment of the month
        extra = await conn.fetch(
            _ENROLLMENTS + "AND NOT e.facility = ANY($3) AND fa.household = ANY($6) ORDER BY e.facility, e.external_id",
            first, last, in_range, _EPOCH, int(OPEN_END.view(np.int64)), households)
        if extra:
            facility_rows += await conn.fetch("SELECT * FROM facilities WHERE external_id = ANY($1) "
                                              "ORDER BY external_id", sorted({r["facility"] for r in extra}))
            rows += extra
            fees += await conn.fetch(_FEES + "AND e.id = ANY($3) ORDER BY ef.enrollment_id, ef.effective_from",
                                     first, last, [r["id"] for r in extra], _EPOCH)
    facilities = [_facility(r) for r in facility_rows]
    index = {f.external_id: i for i, f in enumerate(facilities)}
    classes = [ClassFacts(index[r["facility"]], r["external_id"], r["opened_on"], r["closed_on"], r["confirmed_on"])
               for r in await conn.fetch("SELECT * FROM classes WHERE facility = ANY($1) ORDER BY facility, "
                                         "external_id", list(index))]
    n = len(rows)
    (ids, facility_of, external, start_day, end_day, child_id, child, birth_day, birth_order, family_id,
     family, household) = (list(column) for column in zip(*rows)) if n else ([] for _ in range(12))
    ids_array = np.array(ids, dtype=np.int64)
    # Children in order of first appearance among the rows (the engine's child rows).
    children_ids, first_row, inverse = np.unique(np.array(child_id, dtype=np.int64), return_index=True,
                                                 return_inverse=True)
    appearance = np.argsort(first_row, kind="stable")
    kid_rank = np.empty(len(children_ids), dtype=np.int64)
    kid_rank[appearance] = np.arange(len(children_ids))
    kid_rows = first_row[appearance]
    p_row, p_start, p_end, p_fee = _fee_periods(fees, ids_array, np.array(start_day, dtype=np.int64),
                                                np.array(end_day, dtype=np.int64), _day(first), _day(last))
    days = lambda values: np.array(values, dtype=np.int64).reshape(len(values)).view("datetime64[D]")  # noqa: E731
    facts = MonthFacts(
        facilities=facilities, classes=classes,
        children=ChildFacts(
            family=sibling_groups(np.array(family_id, dtype=np.int64).reshape(n)[kid_rows],
                                  np.array(household, dtype=object).reshape(n)[kid_rows]),
            birth_date=days(birth_day)[kid_rows],
            birth_order=np.array(birth_order, dtype=np.int16).reshape(n)[kid_rows]),
        enrollments=EnrollmentFacts(
            child=kid_rank[inverse.reshape(n)] if n else np.zeros(0, dtype=np.int64),
            facility=np.fromiter((index[f] for f in facility_of), np.int64, n),
            start=days(start_day), end=days(end_day)),
        fee_periods=FeePeriods(
            enrollment=p_row, start=p_start.view("datetime64[D]"), end=p_end.view("datetime64[D]"),
            fee_fen=p_fee),
    )
    objects = lambda values: np.array(values, dtype=object).reshape(len(values))  # noqa: E731
    labels = Labels(
        facilities=[f.external_id for f in facilities], in_range=len(in_range),
        enrollment=objects(external), child=objects(child), family=objects(family),
        facility_of_enrollment=objects(facility_of),
    )
    return facts, labels


async def batches(conn: asyncpg.Connection, month: Month, jurisdiction: str, lines: int) -> list[FacilityRange]:
    """Contiguous facility ranges covering every facility `jurisdiction` governs in the month, each with about
    `lines` of their enrollments (a facility is never split), so a month can be computed and billed a range at a
    time (`load_month` leaves out the facilities of a range that another jurisdiction governs)."""
    governs = await jurisdiction_store.governed(conn, month)
    counts = await conn.fetch(
        "SELECT facility, count(*) AS n FROM enrollments WHERE start_on <= $2 AND coalesce(end_on, 'infinity') >= $1 "
        "AND facility = ANY($3) GROUP BY facility ORDER BY facility", month.first_day, month.last_day,
        [facility for facility, code in governs.items() if code == jurisdiction])
    bounds: list[str | None] = [None]
    filled = 0
    for row in counts:
        if filled and filled + row["n"] > lines:
            bounds.append(row["facility"])
            filled = 0
        filled += row["n"]
    bounds.append(None)
    return list(zip(bounds[:-1], bounds[1:]))
