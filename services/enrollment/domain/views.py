"""Reading the roster back: the shapes of single records and list items, cursors, the day statuses are judged on.

Lists are ordered by the row id and paginated by an opaque cursor (the last id seen), so a page never shifts when
records are added meanwhile. `month` keeps what was enrolled (open) on any day of the month; `status` is judged on
`as_of`, which defaults to the month's last day when a month is given and to today otherwise. The queries are in
`store.views`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date

from enrollment.domain.jurisdictions import known_problem
from enrollment.domain.rules import overlaps, refuse
from tuoyu import standing
from tuoyu.errors import InvalidInput
from tuoyu.jurisdictions import Entry, jurisdiction_on, under
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


def page(rows, limit: int, shape) -> dict:
    items = [shape(r) for r in rows[:limit]]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(rows[limit - 1]["id"]) if more else None}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def as_of(day: date | None, span: tuple[date, date] | None, today: date) -> date:
    """The day statuses are judged on: the one asked for, else the month's last day, else today."""
    return day or (span[1] if span else today)


def facility_status(r, day: date | None = None) -> str:
    """A listed facility's status by the one rule (`tuoyu.standing`), from its reviews as two parallel arrays: on
    `day`, or once every recorded date has passed (None)."""
    return standing.status(r["filed_on"], r["revoked_on"], zip(r["review_dates"] or [], r["review_results"] or []),
                           day)


def facility_row(r, day: date | None = None) -> dict:
    return {"external_id": r["external_id"], "name": r["name"], "kind": r["kind"], "ownership": r["ownership"],
            "inclusive": r["inclusive"], "serves_meals": r["serves_meals"], "self_registered": r["self_registered"],
            "filed_on": _iso(r["filed_on"]), "revoked_on": _iso(r["revoked_on"]), "status": facility_status(r, day),
            "version": r["version"]}


def class_row(as_of: date):
    def shape(r) -> dict:
        is_open = r["opened_on"] <= as_of and (r["closed_on"] is None or r["closed_on"] >= as_of)
        return {"external_id": r["external_id"], "name": r["name"], "opened_on": _iso(r["opened_on"]),
                "closed_on": _iso(r["closed_on"]), "capacity": r["capacity"],
                "confirmed_on": _iso(r["confirmed_on"]), "as_of": as_of.isoformat(),
                "status": "open" if is_open else ("planned" if r["opened_on"] > as_of else "closed"),
                "enrolled": r["enrolled"], "version": r["version"]}
    return shape


def family_row(r) -> dict:
    return {"external_id": r["external_id"], "name": r["name"], "children": list(r["children"] or [])}


def child_row(r) -> dict:
    return {"external_id": r["external_id"], "family": r["family"], "birth_date": _iso(r["birth_date"]),
            "birth_order": r["birth_order"], "national_id_on_file": r["national_id_on_file"], "version": r["version"]}


def duplicate_group(r) -> dict:
    """One national ID's children at several facilities (`store.duplicates`), and whether two facilities enroll it
    on a same day."""
    spans = [(c["facility"], date.fromisoformat(e["start"]), date.fromisoformat(e["end"]) if e["end"] else None)
             for c in r["children"] for e in c["enrollments"]]
    overlapping = any(a[0] != b[0] and overlaps(a[1], a[2], b[1], b[2])
                      for i, a in enumerate(spans) for b in spans[i + 1:])
    return {"group": r["id"], "children": r["children"], "enrolled_at_two_places_at_once": overlapping}


def enrollment_status(start: date, end: date | None, as_of: date) -> str:
    if start > as_of:
        return "upcoming"
    return "ended" if end is not None and end < as_of else "active"


def enrollment_row(as_of: date):
    def shape(r) -> dict:
        return {"external_id": r["external_id"], "child": r["child"], "class": r["class"], "care": r["care"],
                "start": _iso(r["start_on"]), "end": _iso(r["end_on"]),
                "fees": [{"from": f.isoformat(), "monthly_fee": format_cny(fen)}
                         for f, fen in zip(r["fee_from"] or [], r["fee_fen"] or [])],
                "status": enrollment_status(r["start_on"], r["end_on"], as_of), "as_of": as_of.isoformat(),
                "version": r["version"]}
    return shape


def enrollment_of_snapshot(snapshot: dict, as_of: date) -> dict:
    """The view of an enrollment the handler has just written, from its event snapshot."""
    start = date.fromisoformat(snapshot["start"])
    end = date.fromisoformat(snapshot["end"]) if snapshot["end"] else None
    return {**{k: snapshot[k] for k in ("external_id", "child", "class", "care", "start", "end", "fees")},
            "status": enrollment_status(start, end, as_of), "as_of": as_of.isoformat(),
            "version": snapshot["version"]}


def disclosure(rows, reviews, fees, histories: dict[str, list[Entry]], jurisdictions: list[dict], day: date,
               within: str | None) -> dict:
    """Filed facilities as the public sees them on `day` (from `store.views.disclosure`'s rows), each in its
    jurisdiction that day: no child, no family, no bank account, no key.

    `facilities` keep the shape they had before jurisdictions (a client reading them reads them still);
    `jurisdictions` lists those the facilities are in, by code, with their facilities' external ids, the facilities
    in none last (code null). `within` keeps a jurisdiction's facilities and those of every one under it (a city's
    page lists its districts'): 422 when it is not known. The rule set in force in each is the subsidy service's
    (`with_rulesets`)."""
    kept = None
    if within is not None:
        refuse(known_problem(within, {j["code"]: j["name"] for j in jurisdictions}.get(within)))
        kept = under(within, {j["code"]: j["parent"] for j in jurisdictions})
    return by_jurisdiction(_public_facilities(rows, reviews, fees), histories, jurisdictions, day, kept)


def by_jurisdiction(facilities: list[dict], histories: dict[str, list[Entry]], jurisdictions: list[dict], day: date,
                    kept: frozenset[str] | None = None) -> dict:
    """The facilities ordered by their jurisdiction on `day` (those in none last), and the jurisdictions with their
    facilities' external ids; with `kept`, only the facilities in those codes."""
    names = {j["code"]: j["name"] for j in jurisdictions}
    groups: dict[str | None, list[dict]] = {}
    for facility in facilities:
        code = jurisdiction_on(histories.get(facility["external_id"], []), day)
        if kept is None or code in kept:
            groups.setdefault(code, []).append(facility)
    order = sorted(groups, key=lambda code: (code is None, code or ""))
    return {"facilities": [f for code in order for f in groups[code]],
            "jurisdictions": [{"code": code, "name": names.get(code),
                               "facilities": [f["external_id"] for f in groups[code]]} for code in order]}


def with_rulesets(jurisdictions: list[dict], rulesets: list[dict | None], day: date) -> list[dict]:
    """Each disclosed jurisdiction with the rule set in force there on `day` ({id, version, fund}, in the same
    order), or null and why nothing is subsidised there."""
    out = []
    for j, ruleset in zip(jurisdictions, rulesets, strict=True):
        where = f" in {j['code']} {j['name']}" if j["code"] is not None else ""
        out.append({"code": j["code"], "name": j["name"], "ruleset": ruleset,
                    "unsubsidised": None if ruleset else f"no rule set is in force{where} on {day}",
                    "facilities": j["facilities"]})
    return out


def _public_facilities(rows, reviews, fees) -> list[dict]:
    by_facility: dict[int, dict] = {}
    for r in reviews:
        by_facility.setdefault(r["facility_id"], {}).setdefault("reviews", []).append(
            {"date": r["reviewed_on"].isoformat(), "result": r["result"]})
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
            "status": standing.status(r["filed_on"], r["revoked_on"],
                                      [(date.fromisoformat(v["date"]), v["result"]) for v in reviews_]),
            "capacity": r["capacity"], "places_taken": r["places_taken"],
            "subsidy_rate": format_rate(parse_rate(r["rate"])) if r["rate"] else None,
            "fee_standards": extra.get("fees", []), "reviews": reviews_,
        })
    return out
