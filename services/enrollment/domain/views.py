"""Reading the roster back: single records and paginated, filterable lists.

Lists are ordered by the row id and paginated by an opaque cursor (the last id seen), so a page never shifts when
records are added meanwhile. `month` keeps what was enrolled (open) on any day of the month; `status` is judged on
`as_of`, which defaults to the month's last day when a month is given and to today otherwise.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date

import asyncpg

from tuoyu import standing
from tuoyu.errors import InvalidInput
from tuoyu.money import format_cny, format_rate, parse_rate
from tuoyu.months import Month

MAX_LIMIT = 1000


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "id" or not (value.isascii() and value.isdigit()) or int(value) >= 2**63:
            raise ValueError
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "not a cursor this service gave (use next_cursor from the previous page)") \
            from None


def month_days(month: str | None) -> tuple[date, date] | None:
    if month is None:
        return None
    try:
        the_month = Month.parse(month)
    except ValueError as exc:
        raise InvalidInput("month", str(exc)) from None
    return the_month.first_day, the_month.last_day


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


def _page(rows, limit: int, shape) -> dict:
    items = [shape(r) for r in rows[:limit]]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(rows[limit - 1]["id"]) if more else None}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _as_of(as_of: date | None, span: tuple[date, date] | None) -> date:
    return as_of or (span[1] if span else date.today())


# --- facilities ----------------------------------------------------------------------------------------------------

# The facility's reviews as two parallel arrays, for `standing.status` (f = facilities).
REVIEWS_SQL = ("(SELECT array_agg(r.reviewed_on ORDER BY r.reviewed_on) FROM facility_reviews r "
               "WHERE r.facility_id = f.id) AS review_dates, (SELECT array_agg(r.result ORDER BY r.reviewed_on) "
               "FROM facility_reviews r WHERE r.facility_id = f.id) AS review_results")


def _status(r) -> str:
    return standing.status(r["filed_on"], r["revoked_on"], zip(r["review_dates"] or [], r["review_results"] or []))


def _facility_row(r) -> dict:
    return {"external_id": r["external_id"], "name": r["name"], "kind": r["kind"], "ownership": r["ownership"],
            "inclusive": r["inclusive"], "serves_meals": r["serves_meals"], "self_registered": r["self_registered"],
            "filed_on": _iso(r["filed_on"]), "revoked_on": _iso(r["revoked_on"]), "status": _status(r),
            "version": r["version"]}


async def facilities(conn: asyncpg.Connection, *, status_: str | None, kind: str | None, inclusive: bool | None,
                     limit: int, cursor: str | None) -> dict:
    """A page of facilities; a `status_` filter is applied in Python, by the one status rule (`tuoyu.standing`).

    So a status-filtered page reads every facility after the cursor that the other filters keep: facilities are
    thousands at most, and the status rule is not copied into SQL (nor stored, where it could go stale).
    """
    q = Query([], [])
    q.add(f"f.id > {q.arg(decode_cursor(cursor))}")
    if kind is not None:
        q.add(f"f.kind = {q.arg(kind)}")
    if inclusive is not None:
        q.add(f"f.inclusive = {q.arg(inclusive)}")
    sql = f"SELECT f.*, {REVIEWS_SQL} FROM facilities f WHERE {' AND '.join(q.where)} ORDER BY f.id"
    if status_ is None:
        sql += f" LIMIT {q.arg(limit + 1)}"
    rows = [r for r in await conn.fetch(sql, *q.params) if status_ is None or _status(r) == status_]
    return _page(rows[:limit + 1], limit, _facility_row)


# --- classes -------------------------------------------------------------------------------------------------------

CLASS_SQL = ("SELECT k.id, k.external_id, k.name, k.opened_on, k.closed_on, k.capacity, k.version, "
             "(SELECT count(*) FROM enrollments e WHERE e.class_id = k.id AND e.start_on <= {d} "
             " AND coalesce(e.end_on, 'infinity'::date) >= {d}) AS enrolled FROM classes k")


def _class_row(as_of: date):
    def shape(r) -> dict:
        is_open = r["opened_on"] <= as_of and (r["closed_on"] is None or r["closed_on"] >= as_of)
        return {"external_id": r["external_id"], "name": r["name"], "opened_on": _iso(r["opened_on"]),
                "closed_on": _iso(r["closed_on"]), "capacity": r["capacity"], "as_of": as_of.isoformat(),
                "status": "open" if is_open else ("planned" if r["opened_on"] > as_of else "closed"),
                "enrolled": r["enrolled"], "version": r["version"]}
    return shape


async def classes(conn, fid: int, *, month: str | None, status_: str | None, as_of: date | None, limit: int,
                  cursor: str | None) -> dict:
    span = month_days(month)
    day = _as_of(as_of, span)
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
    return _page(rows, limit, _class_row(day))


async def klass(conn, class_id: int, as_of: date | None = None) -> dict:
    day = as_of or date.today()
    row = await conn.fetchrow(f"{CLASS_SQL.format(d='$2')} WHERE k.id = $1", class_id, day)
    return _class_row(day)(row)


# --- families ------------------------------------------------------------------------------------------------------

def _family_row(r) -> dict:
    return {"external_id": r["external_id"], "name": r["name"], "children": list(r["children"] or [])}


FAMILY_SQL = ("SELECT fa.id, fa.external_id, fa.name, (SELECT array_agg(c.external_id ORDER BY c.birth_order) "
              "FROM children c WHERE c.family_id = fa.id) AS children FROM families fa")


async def families(conn, fid: int, *, limit: int, cursor: str | None) -> dict:
    rows = await conn.fetch(f"{FAMILY_SQL} WHERE fa.facility_id = $1 AND fa.id > $2 ORDER BY fa.id LIMIT $3",
                            fid, decode_cursor(cursor), limit + 1)
    return _page(rows, limit, _family_row)


async def family(conn, family_id: int) -> dict:
    return _family_row(await conn.fetchrow(f"{FAMILY_SQL} WHERE fa.id = $1", family_id))


# --- children ------------------------------------------------------------------------------------------------------

# `same_child_elsewhere`: another facility registered a child with the same national ID. That is all it says:
# neither which facility nor anything that facility recorded.
CHILD_SQL = ("SELECT c.id, c.external_id, fa.external_id AS family, c.birth_date, c.birth_order, c.version, "
             "c.national_id_hash IS NOT NULL AS national_id_on_file, "
             "c.national_id_hash IS NOT NULL AND EXISTS (SELECT 1 FROM children o WHERE o.national_id_hash = "
             "c.national_id_hash AND o.facility_id <> c.facility_id) AS same_child_elsewhere "
             "FROM children c JOIN families fa ON fa.id = c.family_id")


def _child_row(r) -> dict:
    return {"external_id": r["external_id"], "family": r["family"], "birth_date": _iso(r["birth_date"]),
            "birth_order": r["birth_order"], "national_id_on_file": r["national_id_on_file"],
            "same_child_elsewhere": r["same_child_elsewhere"], "version": r["version"]}


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
    return _page(rows, limit, _child_row)


async def child(conn, child_id: int) -> dict:
    return _child_row(await conn.fetchrow(f"{CHILD_SQL} WHERE c.id = $1", child_id))


# --- enrollments ---------------------------------------------------------------------------------------------------

ENROLLMENT_SQL = ("SELECT e.id, e.external_id, c.external_id AS child, k.external_id AS class, e.care, e.start_on, "
                  "e.end_on, e.version, (SELECT array_agg(ef.effective_from ORDER BY ef.effective_from) FROM "
                  "enrollment_fees ef WHERE ef.enrollment_id = e.id) AS fee_from, (SELECT array_agg(ef.fee_fen ORDER "
                  "BY ef.effective_from) FROM enrollment_fees ef WHERE ef.enrollment_id = e.id) AS fee_fen "
                  "FROM enrollments e JOIN children c ON c.id = e.child_id JOIN classes k ON k.id = e.class_id")


def enrollment_status(start: date, end: date | None, as_of: date) -> str:
    if start > as_of:
        return "upcoming"
    return "ended" if end is not None and end < as_of else "active"


def _enrollment_row(as_of: date):
    def shape(r) -> dict:
        return {"external_id": r["external_id"], "child": r["child"], "class": r["class"], "care": r["care"],
                "start": _iso(r["start_on"]), "end": _iso(r["end_on"]),
                "fees": [{"from": f.isoformat(), "monthly_fee": format_cny(fen)}
                         for f, fen in zip(r["fee_from"] or [], r["fee_fen"] or [])],
                "status": enrollment_status(r["start_on"], r["end_on"], as_of), "as_of": as_of.isoformat(),
                "version": r["version"]}
    return shape


async def enrollments(conn, fid: int, *, month: str | None, status_: str | None, class_: str | None,
                      child: str | None, as_of: date | None, limit: int, cursor: str | None) -> dict:
    span = month_days(month)
    day = _as_of(as_of, span)
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
    return _page(rows, limit, _enrollment_row(day))


def enrollment_of_snapshot(snapshot: dict, as_of: date) -> dict:
    """The view of an enrollment the handler has just written, from its event snapshot."""
    start = date.fromisoformat(snapshot["start"])
    end = date.fromisoformat(snapshot["end"]) if snapshot["end"] else None
    return {**{k: snapshot[k] for k in ("external_id", "child", "class", "care", "start", "end", "fees")},
            "status": enrollment_status(start, end, as_of), "as_of": as_of.isoformat(),
            "version": snapshot["version"]}


async def enrollment(conn, enrollment_id: int, as_of: date | None = None) -> dict:
    return _enrollment_row(as_of or date.today())(await conn.fetchrow(f"{ENROLLMENT_SQL} WHERE e.id = $1",
                                                                      enrollment_id))


# --- public disclosure (信息公示) ------------------------------------------------------------------------------------

async def disclosure(conn, on: date) -> list[dict]:
    """Filed facilities as the public sees them: no child, no family, no bank account, no key."""
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
    # The fee standards (收费标准) are the distinct monthly fees in force on the day, by type of care.
    fees = await conn.fetch(
        "SELECT DISTINCT e.facility_id, e.care, (SELECT ef.fee_fen FROM enrollment_fees ef WHERE ef.enrollment_id = "
        "e.id AND ef.effective_from <= $1 ORDER BY ef.effective_from DESC LIMIT 1) AS fee_fen FROM enrollments e "
        "WHERE e.start_on <= $1 AND coalesce(e.end_on, 'infinity'::date) >= $1 ORDER BY 1, 2, 3", on)
    by_facility: dict[int, dict] = {}
    for r in reviews:
        by_facility.setdefault(r["facility_id"], {}).setdefault("reviews", []).append((r["reviewed_on"], r["result"]))
    for r in fees:
        if r["fee_fen"] is not None:
            by_facility.setdefault(r["facility_id"], {}).setdefault("fees", []).append(
                {"care": r["care"], "monthly_fee": format_cny(r["fee_fen"])})
    out = []
    for r in rows:
        extra = by_facility.get(r["id"], {})
        reviews_ = extra.get("reviews", [])
        out.append({
            "external_id": r["external_id"], "name": r["name"], "kind": r["kind"], "ownership": r["ownership"],
            "inclusive": r["inclusive"], "filed_on": _iso(r["filed_on"]), "revoked_on": _iso(r["revoked_on"]),
            "status": standing.status(r["filed_on"], r["revoked_on"], reviews_),
            "capacity": r["capacity"], "places_taken": r["places_taken"],
            "subsidy_rate": format_rate(parse_rate(r["rate"])) if r["rate"] else None,
            "fee_standards": extra.get("fees", []),
            "reviews": [{"date": day.isoformat(), "result": result} for day, result in reviews_],
        })
    return out
