"""Jurisdiction decisions: adding one (the platform operator's), and putting a facility in one from a date.

Pure functions of what the store read; `tuoyu.jurisdictions` holds the rules other services share (a code's shape,
a facility's jurisdiction on a day).
"""

from __future__ import annotations

from datetime import date

from enrollment.domain import rules
from enrollment.domain.models import NewJurisdiction
from enrollment.domain.rules import Problem, refuse
from tuoyu import bounds
from tuoyu.jurisdictions import Entry, county_level, jurisdiction_on
from tuoyu.errors import Conflict

REGISTERED_FROM = bounds.FIRST_DAY
"""A jurisdiction named at registration holds from the first day the platform knows: the facility was there before
any date it reports (a later `move` is a later entry)."""


def parent_problem(parent: str | None, parent_known: bool) -> Problem:
    if parent is not None and not parent_known:
        return "parent", f"no jurisdiction {parent!r}: add the parent first"
    return None


def addition(new: NewJurisdiction, existing: dict | None, parent_known: bool) -> bool:
    """True: add it; False: the same jurisdiction again. Another name or parent for a known code is a conflict."""
    if existing is not None:
        rules.same_or_differs("jurisdiction", new.code, new.model_dump(mode="json"), existing)
        return False
    refuse(new.code == new.parent and ("parent", "a jurisdiction cannot be its own parent"))
    refuse(parent_problem(new.parent, parent_known))
    return True


def known_problem(code: str, found: dict | None, field: str = "jurisdiction") -> Problem:
    """A jurisdiction named must have been added (one a scoped key does not cover reads as unknown to it)."""
    if found is None:
        return field, f"no jurisdiction {code!r}: the platform operator adds it first"
    return None


def placement_problem(code: str, found: dict | None, field: str = "jurisdiction") -> Problem:
    """A facility is filed in a known county-level jurisdiction, never a city or province."""
    if found is None:
        return known_problem(code, found, field)
    if not county_level(code):
        return field, f"{code} {found['name']} is not county-level: name one of its districts or counties"
    return None


def move(code: str, found: dict | None, effective_from: date, there_then: str | None, today: date) -> bool:
    """Whether putting the facility in `code` from `effective_from` changes anything (`there_then`: the jurisdiction
    an entry from that very date already names)."""
    refuse(placement_problem(code, found))
    refuse(rules.ahead_problem("from", effective_from, today))
    if there_then == code:
        return False
    if there_then is not None:
        raise Conflict(f"the facility is already in {there_then} from {effective_from}")
    return True


def population(code: str, found: dict, as_of: date, residents: int, entered: int | None, today: date) -> bool:
    """Whether entering `residents` for `code` on `as_of` changes anything (`entered`: that day's figure so far, the
    one a correction replaces). Only a county-level jurisdiction's are entered: a city's are its districts' sum."""
    refuse(not county_level(code) and ("code", f"{code} {found['name']} is not county-level: enter each of its "
                                               "districts' residents (a city's are their sum)"))
    refuse(rules.ahead_problem("as_of", as_of, today))
    return entered != residents


def in_scope(covers: frozenset[str], histories: dict[str, list[Entry]], today: date) -> set[str]:
    """The facilities (by external id) whose jurisdiction today a key covering `covers` acts on; an unplaced
    facility is in none (only platform-wide keys see it)."""
    return {facility for facility, history in histories.items() if jurisdiction_on(history, today) in covers}
