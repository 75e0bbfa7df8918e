"""Classes: what opening, changing and confirming one decide, from what the store read."""

from __future__ import annotations

from datetime import date
from typing import Collection, Mapping, NamedTuple, Sequence

from enrollment.domain import rules
from enrollment.domain.models import ClassChange, NewClass
from enrollment.domain.rules import refuse
from tuoyu.errors import Conflict, InvalidInput


def opening(new: NewClass, existing: Sequence[dict | None] | None, revoked_on: date | None) -> bool:
    """True: open the class; False: the same class again. `existing`: its fingerprints as created and now."""
    if existing is not None:
        rules.same_or_differs("class", new.external_id, new.model_dump(mode="json", exclude={"external_id"}),
                              *existing)
        return False
    refuse(rules.revoked_problem(revoked_on))
    if new.closed_on and new.closed_on < new.opened_on:
        raise InvalidInput("closed_on", "must be on or after opened_on")
    return True


def change(before: dict, change_: ClassChange, spans: Sequence[tuple[str, date, date | None]]) -> dict:
    """What changes (name, closed_on, capacity: an empty dict when nothing does), given the class's snapshot and its
    enrollments; refused when they would no longer fit."""
    wanted = {k: v for k, v in change_.model_dump(exclude_unset=True, mode="json").items() if before[k] != v}
    if "capacity" in wanted and wanted["capacity"] is None:
        raise InvalidInput("capacity", "must be a whole number from 1 to 500")
    if not wanted:
        return {}
    opened_on = date.fromisoformat(before["opened_on"])
    closed_on = change_.closed_on if "closed_on" in wanted else (
        date.fromisoformat(before["closed_on"]) if before["closed_on"] else None)
    capacity = wanted.get("capacity", before["capacity"])
    if closed_on is not None and closed_on < opened_on:
        raise InvalidInput("closed_on", f"must be on or after the opening date {opened_on}")
    if closed_on is not None:
        late = [external_id for external_id, _, end in spans if end is None or end > closed_on]
        if late:
            raise InvalidInput("closed_on", f"enrollments run past {closed_on} ({', '.join(late[:5])}); "
                                            "withdraw them first")
    if "capacity" in wanted:
        occupancy = rules.Occupancy(capacity, [(s, e) for _, s, e in spans])
        peak = max((occupancy.peak(s, e) for _, s, e in spans), default=0)
        if peak > capacity:
            raise InvalidInput("capacity", f"the class holds {peak} children on some day; capacity must be at least "
                                           "that")
    return {"name": wanted.get("name", before["name"]), "closed_on": closed_on, "capacity": capacity,
            "closing": "closed_on" in wanted and closed_on is not None}


# --- confirmation by the health commission (POLICY "Guard rails": classes are confirmed) ---------------------------

class Confirmation(NamedTuple):
    """The health commission confirms a facility's class on a date: from then on the class can earn its grant."""

    facility: str
    klass: str
    confirmed_on: date


def confirmed_again(klass: str, confirmed_on: date | None, wanted: date) -> str | None:
    """Why confirming the class on `wanted` is refused, or None. A confirmation is recorded once: the same date again
    is nothing new, another date a conflict (the grant may already be paid on the first)."""
    if confirmed_on is None or confirmed_on == wanted:
        return None
    return f"class {klass} was confirmed on {confirmed_on}; a confirmation is recorded once, not moved"


def confirming(klass: str, confirmed_on: date | None, wanted: date) -> bool:
    """True: record the confirmation; False: the same confirmation again. Another date: `Conflict` (409)."""
    if (reason := confirmed_again(klass, confirmed_on, wanted)) is not None:
        raise Conflict(reason)
    return confirmed_on is None


def confirmations(wanted: Sequence[Confirmation], facilities: Collection[str],
                  found: Mapping[tuple[str, str], date | None]) -> list[int]:
    """The indices of `wanted` to record, at most one per class; all or nothing: any problem refuses the lot
    (`InvalidInput`, each problem named `confirmations[i].field`). `found` is each existing class's date or None."""
    problems, record, first = [], [], {}
    for i, (facility, klass, day) in enumerate(wanted):
        at = f"confirmations[{i}]"
        if facility not in facilities:
            problems.append({"field": f"{at}.facility", "reason": f"no facility {facility!r}"})
        elif (facility, klass) not in found:
            problems.append({"field": f"{at}.class", "reason": f"facility {facility} has no class {klass!r}"})
        elif (facility, klass) in first:
            j = first[(facility, klass)]
            if wanted[j].confirmed_on != day:
                problems.append({"field": f"{at}.confirmed_on", "reason": f"confirmations[{j}] confirms the same "
                                                                          f"class on {wanted[j].confirmed_on}"})
        elif (reason := confirmed_again(klass, found[(facility, klass)], day)) is not None:
            problems.append({"field": f"{at}.confirmed_on", "reason": reason})
        else:
            first[(facility, klass)] = i
            if found[(facility, klass)] is None:
                record.append(i)
    if problems:
        raise InvalidInput(problems)
    return record
