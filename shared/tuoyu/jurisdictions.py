"""Jurisdictions (POLICY "Jurisdictions"): a code's shape and a facility's jurisdiction on a day, as pure functions.

One definition for every service: the enrollment service records a facility's jurisdictions, the subsidy engine and
billing will choose a month's rule set and cycle by them. A facility's history is its (from, code) entries; no
function reads a clock.

- A code is six digits (GB/T 2260 行政区划代码).
- A code ending in 00 is a city's (or, in 0000, a province's); any other is county-level (a district, 区/县/县级市):
  facilities are filed only in county-level ones.
- A facility's jurisdiction on a day is the entry with the latest `from` on or before that day; before its first
  entry it is in none (registered without one and placed later: those months were billed as UNPLACED).
- A month is governed by the facility's jurisdiction on the month's first day.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Iterable

from pydantic import StringConstraints

CODE_PATTERN = "^[0-9]{6}$"
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
"""A jurisdiction's code in a request: six ASCII digits, such as 330903."""

Entry = tuple[date, str]  # (from, jurisdiction code)

UNPLACED = "000000"
"""Where a facility registered without a jurisdiction is billed: the single-district platform before jurisdictions.
Such a facility is governed, as then, by the latest `valid_from` of every loaded rule set, and only platform-wide
keys see it. GB/T 2260 has no division 000000, so it never collides with a real one."""


def jurisdiction_on(history: Iterable[Entry], day: date) -> str | None:
    """The facility's jurisdiction on `day`: the latest entry from on or before it; None before its first entry.

    A facility registered in a jurisdiction holds it from the platform's first day, so None means one registered in
    none and placed later: its months before the placement stay where they were billed (UNPLACED)."""
    current = None
    for effective_from, code in sorted(history):
        if effective_from > day:
            break
        current = code
    return current


def governing(history: Iterable[Entry], month: date) -> str | None:
    """The jurisdiction that governs the month (any day of it): the facility's on the month's first day."""
    return jurisdiction_on(history, month.replace(day=1))


Tree = dict[str, str | None]  # code -> parent code (None: a province or a city without a parent here)


def lineage(code: str, tree: Tree) -> list[str]:
    """`code` and the jurisdictions above it, nearest first: [330903, 330900, 330000]. Where a rule set is chosen, the
    first of these that some rule set covers is the most specific cover."""
    chain: list[str] = []
    while code is not None and code not in chain:
        chain.append(code)
        code = tree.get(code)
    return chain


def under(code: str, tree: Tree) -> frozenset[str]:
    """`code` and every jurisdiction under it: what a key scoped to `code` acts on."""
    return frozenset(c for c in tree if code in lineage(c, tree)) | {code}


KNOWN: dict[str, tuple[str, str | None]] = {
    "330000": ("浙江省", None),
    "330900": ("舟山市", "330000"),
    "330903": ("普陀区", "330900"),   # seed 001
    "330902": ("定海区", "330900"),   # Putuo's neighbour, where seed 001 says the city means to extend its scheme
    "330200": ("宁波市", "330000"),
    "330282": ("慈溪市", "330200"),   # seed 000
    "330281": ("余姚市", "330200"),   # seed 002
    "330100": ("杭州市", "330000"),
    "330103": ("下城区", "330100"),   # seed 003; merged into 拱墅区 in 2021
    "330105": ("拱墅区", "330100"),
    "310000": ("上海市", None),
    "310117": ("松江区", "310000"),   # seed 004
}
"""The seeds' places of POLICY "Jurisdictions", code -> (name, parent): what a scenario with the old single
`ruleset: X` adds (the jurisdiction X covers and its parents) when the world names no `jurisdictions`. Not a
gazetteer: any other division is added by the platform operator, or listed in a scenario's `jurisdictions`."""


def county_level(code: str) -> bool:
    """County-level (区/县/县级市) by its GB/T 2260 code: a province's ends in 0000, a city's in 00, a county's in
    neither. Facilities are filed, and months billed, only in county-level jurisdictions."""
    return not code.endswith("00")
