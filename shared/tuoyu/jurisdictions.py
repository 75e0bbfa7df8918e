"""Jurisdictions (POLICY "Jurisdictions"): a code's shape and a facility's jurisdiction on a day, as pure functions.

One definition for every service: the enrollment service records a facility's jurisdictions, the subsidy engine and
billing will choose a month's rule set and cycle by them. A facility's history is its (from, code) entries; no
function reads a clock.

- A code is six digits (GB/T 2260 行政区划代码).
- A jurisdiction with a parent is county-level (a city's district, 区/县/县级市); one without is a city or a
  province: facilities are filed only in county-level ones.
- A facility's jurisdiction on a day is the entry with the latest `from` on or before that day; before its first
  entry it is the first (a facility is where it was first filed until it first moves).
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


def jurisdiction_on(history: Iterable[Entry], day: date) -> str | None:
    """The facility's jurisdiction on `day`: the latest entry from on or before it, else its first; None if none."""
    entries = sorted(history)
    if not entries:
        return None
    current = entries[0][1]
    for effective_from, code in entries:
        if effective_from > day:
            break
        current = code
    return current


def governing(history: Iterable[Entry], month: date) -> str | None:
    """The jurisdiction that governs the month (any day of it): the facility's on the month's first day."""
    return jurisdiction_on(history, month.replace(day=1))
