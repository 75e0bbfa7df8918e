"""Reads one month's facts from the projection into the engine's columns, with the labels to name each row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import asyncpg
import numpy as np

from subsidy.rules.facts import OPEN_END, ChildFacts, ClassFacts, EnrollmentFacts, Facility, FeePeriods, Month, MonthFacts
from tuoyu.money import parse_rate


@dataclass(frozen=True)
class Labels:
    """External ids for the rows of `MonthFacts`: what billing and people call them."""

    facilities: list[str]
    enrollment: np.ndarray  # object arrays, one per enrollment row
    child: np.ndarray
    family: np.ndarray
    facility_of_enrollment: np.ndarray


def _facility(row) -> Facility:
    return Facility(
        external_id=row["external_id"], kind=row["kind"], serves_meals=row["serves_meals"], filed_on=row["filed_on"],
        fire_safety_certified_on=row["fire_safety_certified_on"], food_licence_on=row["food_licence_on"],
        revoked_on=row["revoked_on"],
        rates=tuple((date.fromisoformat(r["from"]), parse_rate(r["rate"])) for r in json.loads(row["rates"])),
        reviews=tuple((date.fromisoformat(r["date"]), r["result"]) for r in json.loads(row["reviews"])),
    )


async def load_month(conn: asyncpg.Connection, month: Month) -> tuple[MonthFacts, Labels]:
    first, last = month.first_day, month.last_day
    facility_rows = await conn.fetch("SELECT * FROM facilities ORDER BY external_id")
    facilities = [_facility(r) for r in facility_rows]
    index = {f.external_id: i for i, f in enumerate(facilities)}
    classes = [ClassFacts(index[r["facility"]], r["external_id"], r["opened_on"], r["closed_on"])
               for r in await conn.fetch("SELECT * FROM classes ORDER BY facility, external_id")
               if r["facility"] in index]
    rows = await conn.fetch(
        "SELECT e.id, e.facility, e.external_id, e.start_on, e.end_on, e.child_id, c.external_id AS child, c.birth_date, "
        "c.birth_order, c.family_id, fa.external_id AS family FROM enrollments e "
        "JOIN children c ON c.id = e.child_id JOIN families fa ON fa.id = c.family_id "
        "WHERE e.start_on <= $2 AND coalesce(e.end_on, 'infinity') >= $1 "
        "AND e.facility = ANY($3) ORDER BY e.facility, e.external_id", first, last, list(index))
    periods = await conn.fetch(
        "WITH e AS (SELECT id, start_on, end_on FROM enrollments WHERE start_on <= $2 "
        "           AND coalesce(end_on, 'infinity') >= $1), "
        "f AS (SELECT ef.enrollment_id, ef.effective_from, ef.fee_fen, lead(ef.effective_from) OVER "
        "      (PARTITION BY ef.enrollment_id ORDER BY ef.effective_from) AS next_from "
        "      FROM enrollment_fees ef JOIN e ON e.id = ef.enrollment_id) "
        "SELECT f.enrollment_id, greatest(f.effective_from, e.start_on, $1) AS s, "
        "least(coalesce(f.next_from - 1, $2), coalesce(e.end_on, $2), $2) AS t, f.fee_fen "
        "FROM f JOIN e ON e.id = f.enrollment_id "
        "WHERE greatest(f.effective_from, e.start_on, $1) <= least(coalesce(f.next_from - 1, $2), "
        "coalesce(e.end_on, $2), $2) ORDER BY f.enrollment_id, s", first, last)
    row_of = {r["id"]: i for i, r in enumerate(rows)}
    # The engine wants fee periods ordered by enrollment row, then date.
    periods = sorted((p for p in periods if p["enrollment_id"] in row_of),
                     key=lambda p: (row_of[p["enrollment_id"]], p["s"]))
    n = len(rows)
    child_row: dict[int, int] = {}
    kids = []
    for r in rows:
        if r["child_id"] not in child_row:
            child_row[r["child_id"]] = len(kids)
            kids.append(r)
    facts = MonthFacts(
        facilities=facilities, classes=classes,
        children=ChildFacts(
            family=np.fromiter((r["family_id"] for r in kids), np.int64, len(kids)),
            birth_date=np.array([r["birth_date"] for r in kids], dtype="datetime64[D]").reshape(len(kids)),
            birth_order=np.fromiter((r["birth_order"] for r in kids), np.int16, len(kids))),
        enrollments=EnrollmentFacts(
            child=np.fromiter((child_row[r["child_id"]] for r in rows), np.int64, n),
            facility=np.fromiter((index[r["facility"]] for r in rows), np.int64, n),
            start=np.array([r["start_on"] for r in rows], dtype="datetime64[D]").reshape(n),
            end=np.array([r["end_on"] or OPEN_END.item() for r in rows], dtype="datetime64[D]").reshape(n)),
        fee_periods=FeePeriods(
            enrollment=np.fromiter((row_of[p["enrollment_id"]] for p in periods), np.int64, len(periods)),
            start=np.array([p["s"] for p in periods], dtype="datetime64[D]").reshape(len(periods)),
            end=np.array([p["t"] for p in periods], dtype="datetime64[D]").reshape(len(periods)),
            fee_fen=np.fromiter((p["fee_fen"] for p in periods), np.int64, len(periods))),
    )
    labels = Labels(
        facilities=[f.external_id for f in facilities],
        enrollment=np.array([r["external_id"] for r in rows], dtype=object),
        child=np.array([r["child"] for r in rows], dtype=object),
        family=np.array([r["family"] for r in rows], dtype=object),
        facility_of_enrollment=np.array([r["facility"] for r in rows], dtype=object),
    )
    return facts, labels
