"""The roster's list and single-record queries: filters, pages, the day statuses are judged on.

What each row looks like, the cursors and the statuses are the domain's (`domain.views`); this is the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from enrollment.domain import views
from enrollment.domain.views import decode_cursor, month_days
from enrollment.store import jurisdictions


@dataclass
class Query:
    """A SELECT grown clause by clause, with numbered parameters."""
    params: list
    where: list[str]

    def arg(self, value) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def add(self, clause: str) -> None:
        self.where.append(clause)


# --- facilities ----------------------------------------------------------------------------------------------------

# The facility's reviews as two parallel arrays, for `domain.views.facility_status` (f = facilities).
REVIEWS_SQL = ("(SELECT array_agg(r.reviewed_on ORDER BY r.reviewed_on) FROM facility_reviews r "
               "WHERE r.facility_id = f.id) AS review_dates, (SELECT array_agg(r.result ORDER BY r.reviewed_on) "
               "FROM facility_reviews r WHERE r.facility_id = f.id) AS review_results")


async def facilities(conn: asyncpg.Connection, *, status_: str | None, kind: str | None, inclusive: bool | None,
                     limit: int, cursor: str | None, among: set[str] | None = None, on: date | None = None) -> dict:
    """A page of facilities (of those whose external ids are `among`, when given: a scoped key's), each status on
    `on` (None: once every recorded date has passed); a `status_` filter is applied in Python, by the one status
    rule (`tuoyu.standing`).

    So a status-filtered page reads every facility after the cursor that the other filters keep: facilities are
    thousands at most, and the status rule is not copied into SQL (nor stored, where it could go stale).
    """
    q = Query([], [])
    q.add(f"f.id > {q.arg(decode_cursor(cursor))}")
    if kind is not None:
        q.add(f"f.kind = {q.arg(kind)}")
    if inclusive is not None:
        q.add(f"f.inclusive = {q.arg(inclusive)}")
    if among is not None:
        q.add(f"f.external_id = ANY({q.arg(sorted(among))}::text[])")
    sql = f"SELECT f.*, {REVIEWS_SQL} FROM facilities f WHERE {' AND '.join(q.where)} ORDER BY f.id"
    if status_ is None:
        sql += f" LIMIT {q.arg(limit + 1)}"
    rows = [r for r in await conn.fetch(sql, *q.params) if status_ is None or views.facility_status(r, on) == status_]
    return views.page(rows[:limit + 1], limit, lambda r: views.facility_row(r, on))


# --- classes -------------------------------------------------------------------------------------------------------

CLASS_SQL = ("SELECT k.id, k.external_id, k.name, k.opened_on, k.closed_on, k.capacity, k.confirmed_on, "
             "k.version, "
             "(SELECT count(*) FROM enrollments e WHERE e.class_id = k.id AND e.start_on <= {d} "
             " AND coalesce(e.end_on, 'infinity'::date) >= {d}) AS enrolled FROM classes k")


async def classes(conn, fid: int, *, month: str | None, status_: str | None, as_of: date | None, today: date,
                  limit: int, cursor: str | None) -> dict:
    span = month_days(month)
    day = views.as_of(as_of, span, today)
    q = Query([], [])
    d = q.arg(day)
    q.add(f"k.facility_id = {q.arg(fid)}")
    q.add(f"k.id > {q.arg(decode_cursor(cursor))}")
    if span:
        q.add(f"k.opened_on <= {q.arg(span[1])} AND coalesce(k.closed_on, 'infinity'::date) >= {q.arg(span[0])}")
    if status_ == "open":
        q.add(f"k.opened_on <= {d} AND coalesce(k.closed_on, 'infinity'::date) >= {d}")
    elif status_ == "closed":
        q.add(f"k.closed_on < {d}")
    elif status_ == "planned":
        q.add(f"k.opened_on > {d}")
    rows = await conn.fetch(f"{CLASS_SQL.format(d=d)} WHERE {' AND '.join(q.where)} ORDER BY k.id "
                            f"LIMIT {q.arg(limit + 1)}", *q.params)
    return views.page(rows, limit, views.class_row(day))


async def klass(conn, class_id: int, day: date) -> dict:
    row = await conn.fetchrow(f"{CLASS_SQL.format(d='$2')} WHERE k.id = $1", class_id, day)
    return views.class_row(day)(row)


# --- families ------------------------------------------------------------------------------------------------------

FAMILY_SQL = ("SELECT fa.id, fa.external_id, fa.name, (SELECT array_agg(c.external_id ORDER BY c.birth_order) "
              "FROM children c WHERE c.family_id = fa.id) AS children FROM families fa")


async def families(conn, fid: int, *, limit: int, cursor: str | None) -> dict:
    rows = await conn.fetch(f"{FAMILY_SQL} WHERE fa.facility_id = $1 AND fa.id > $2 ORDER BY fa.id LIMIT $3",
                            fid, decode_cursor(cursor), limit + 1)
    return views.page(rows, limit, views.family_row)


async def family(conn, family_id: int) -> dict:
    return views.family_row(await conn.fetchrow(f"{FAMILY_SQL} WHERE fa.id = $1", family_id))


# --- children ------------------------------------------------------------------------------------------------------

# Whether another facility holds the same national ID is told to no facility (the health commission sees it:
# `duplicates`).
CHILD_SQL = ("SELECT c.id, c.external_id, fa.external_id AS family, c.birth_date, c.birth_order, c.version, "
             "c.national_id_hash IS NOT NULL AS national_id_on_file "
             "FROM children c JOIN families fa ON fa.id = c.family_id")


async def children(conn, fid: int, *, family: str | None, class_: str | None, month: str | None, limit: int,
                   cursor: str | None) -> dict:
    span = month_days(month)
    q = Query([], [])
    q.add(f"c.facility_id = {q.arg(fid)}")
    q.add(f"c.id > {q.arg(decode_cursor(cursor))}")
    if family is not None:
        q.add(f"fa.external_id = {q.arg(family)}")
    if class_ is not None or span:
        cond = ["e.child_id = c.id"]
        if class_ is not None:
            cond.append(f"e.class_id = (SELECT id FROM classes WHERE facility_id = $1 AND external_id = "
                        f"{q.arg(class_)})")
        if span:
            cond.append(f"e.start_on <= {q.arg(span[1])} AND coalesce(e.end_on, 'infinity'::date) >= "
                        f"{q.arg(span[0])}")
        q.add(f"EXISTS (SELECT 1 FROM enrollments e WHERE {' AND '.join(cond)})")
    rows = await conn.fetch(f"{CHILD_SQL} WHERE {' AND '.join(q.where)} ORDER BY c.id LIMIT {q.arg(limit + 1)}",
                            *q.params)
    return views.page(rows, limit, views.child_row)


async def child(conn, child_id: int) -> dict:
    return views.child_row(await conn.fetchrow(f"{CHILD_SQL} WHERE c.id = $1", child_id))


# --- enrollments ---------------------------------------------------------------------------------------------------

ENROLLMENT_SQL = ("SELECT e.id, e.external_id, c.external_id AS child, k.external_id AS class, e.care, e.start_on, "
                  "e.end_on, e.version, (SELECT array_agg(ef.effective_from ORDER BY ef.effective_from) FROM "
                  "enrollment_fees ef WHERE ef.enrollment_id = e.id) AS fee_from, (SELECT array_agg(ef.fee_fen ORDER "
                  "BY ef.effective_from) FROM enrollment_fees ef WHERE ef.enrollment_id = e.id) AS fee_fen "
                  "FROM enrollments e JOIN children c ON c.id = e.child_id JOIN classes k ON k.id = e.class_id")


async def enrollments(conn, fid: int, *, month: str | None, status_: str | None, class_: str | None,
                      child: str | None, as_of: date | None, today: date, limit: int, cursor: str | None) -> dict:
    span = month_days(month)
    day = views.as_of(as_of, span, today)
    q = Query([], [])
    q.add(f"e.facility_id = {q.arg(fid)}")
    q.add(f"e.id > {q.arg(decode_cursor(cursor))}")
    if span:
        q.add(f"e.start_on <= {q.arg(span[1])} AND coalesce(e.end_on, 'infinity'::date) >= {q.arg(span[0])}")
    if class_ is not None:
        q.add(f"k.external_id = {q.arg(class_)}")
    if child is not None:
        q.add(f"c.external_id = {q.arg(child)}")
    if status_ is not None:
        d = q.arg(day)
        q.add({"active": f"e.start_on <= {d} AND coalesce(e.end_on, 'infinity'::date) >= {d}",
               "ended": f"e.start_on <= {d} AND e.end_on < {d}",
               "upcoming": f"e.start_on > {d}"}[status_])
    rows = await conn.fetch(f"{ENROLLMENT_SQL} WHERE {' AND '.join(q.where)} ORDER BY e.id LIMIT {q.arg(limit + 1)}",
                            *q.params)
    return views.page(rows, limit, views.enrollment_row(day))


async def enrollment(conn, enrollment_id: int, day: date) -> dict:
    return views.enrollment_row(day)(await conn.fetchrow(f"{ENROLLMENT_SQL} WHERE e.id = $1", enrollment_id))


# --- public disclosure (信息公示) ------------------------------------------------------------------------------------

async def disclosure(conn, on: date, within: str | None) -> dict:
    """Filed facilities as the public sees them, each in its jurisdiction on the day (only those in `within` or under
    it, when given): no child, no family, no bank account, no key."""
    rows, reviews = await filed_facilities(conn, on)
    # The fee standards (收费标准) are the distinct monthly fees in force on the day, by type of care.
    fees = await conn.fetch(
        "SELECT DISTINCT e.facility_id, e.care, (SELECT ef.fee_fen FROM enrollment_fees ef WHERE ef.enrollment_id = "
        "e.id AND ef.effective_from <= $1 ORDER BY ef.effective_from DESC LIMIT 1) AS fee_fen FROM enrollments e "
        "WHERE e.start_on <= $1 AND coalesce(e.end_on, 'infinity'::date) >= $1 ORDER BY 1, 2, 3", on)
    return views.disclosure(rows, reviews, fees, await jurisdictions.histories(conn), await jurisdictions.every(conn),
                            on, within)


async def filed_facilities(conn, on: date) -> tuple[list, list]:
    """Every facility ever filed, with its capacity (classes open on the day), places taken (children enrolled on
    it) and rate that day, by external id; and every facility's reviews: what the disclosure and the planning
    figures (`domain.planning.counted`) are made of."""
    rows = await conn.fetch(
        "SELECT f.id, f.external_id, f.name, f.kind, f.ownership, f.inclusive, f.filed_on, f.revoked_on, "
        "(SELECT coalesce(sum(k.capacity), 0) FROM classes k WHERE k.facility_id = f.id AND k.opened_on <= $1 "
        " AND coalesce(k.closed_on, 'infinity'::date) >= $1) AS capacity, "
        "(SELECT count(*) FROM enrollments e WHERE e.facility_id = f.id AND e.start_on <= $1 "
        " AND coalesce(e.end_on, 'infinity'::date) >= $1) AS places_taken, "
        "(SELECT rate::text FROM facility_rates r WHERE r.facility_id = f.id AND r.effective_from <= $1 "
        " ORDER BY r.effective_from DESC LIMIT 1) AS rate "
        "FROM facilities f WHERE f.filed_on IS NOT NULL ORDER BY f.external_id", on)
    reviews = await conn.fetch("SELECT facility_id, reviewed_on, result FROM facility_reviews "
                               "ORDER BY facility_id, reviewed_on")
    return rows, reviews
