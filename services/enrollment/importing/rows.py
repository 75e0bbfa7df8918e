"""One roster row, checked on its own: its cells' formats and what a row alone can tell.

Its columns are the roster file's (`tuoyu.roster_file`). Pure: no database, no file. What needs the facility's
records (classes, siblings, capacity, existing ids) is checked in `apply`; the checks a row alone can make are the
domain's (`rules`), with the API's messages. Problems are reported as (column, reason), every one of them, not just
the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from enrollment.domain import rules
from enrollment.domain.models import Care
from tuoyu import bounds
from tuoyu.national_id import normalised

CARE = tuple(care.value for care in Care)  # the API's kinds of care, for the row check's message
_DATE = re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$")


@dataclass(slots=True)
class RosterRow:
    row: int
    family: str
    child: str
    birth_date: date
    birth_order: int
    national_id: str | None
    class_: str
    enrollment: str
    care: str
    fee_fen: int
    start: date
    end: date | None


def _date(value: str) -> date:
    match = _DATE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a date such as 2022-09-01")
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        raise ValueError(f"{value!r} is not a date that exists (such as 2022-09-01)") from None
    try:
        return bounds.check_day(day)
    except ValueError as exc:
        raise ValueError(f"{value!r}: {exc}") from None


def parse(row: int, cells: dict[str, str], today: date) -> tuple[RosterRow | None, list[tuple[str, str]]]:
    """The row as values, or the problems with it as (column, reason)."""
    problems: list[tuple[str, str]] = []
    values: dict[str, object] = {}

    for column in ("family", "child", "class", "enrollment"):
        value = cells.get(column, "")
        if not value:
            problems.append((column, "is required"))
        else:
            try:
                bounds.check_external_id(value)
            except ValueError as exc:
                problems.append((column, str(exc)))
        values[column] = value
    for column in ("birth_date", "start", "end"):
        value = cells.get(column, "")
        if not value:
            if column != "end":
                problems.append((column, "is required"))
            values[column] = None
            continue
        try:
            values[column] = _date(value)
        except ValueError as exc:
            problems.append((column, str(exc)))
            values[column] = None
    order = cells.get("birth_order", "")
    try:
        if not re.fullmatch(r"[0-9]{1,2}", order):
            raise ValueError("must be a whole number")
        values["birth_order"] = bounds.check_birth_order(int(order))
    except ValueError as exc:
        problems.append(("birth_order", f"{order!r} is not a birth order: {exc}"))
    # Checked with the child (`children.register_child`): the number, its birth date, a filed facility.
    national_id = normalised(cells["national_id"]) if cells.get("national_id") else None
    care = cells.get("care", "") or "full_day"
    if care not in CARE:
        problems.append(("care", f"{care!r} is not one of {', '.join(CARE)}"))
    try:
        fee = bounds.monthly_fee_fen(cells.get("monthly_fee", ""))
    except ValueError as exc:
        problems.append(("monthly_fee", str(exc)))
        fee = None

    birth, start, end = values["birth_date"], values["start"], values["end"]
    for problem in (birth and rules.birth_date_problem(birth, today),
                    birth and start and rules.start_problem(start, birth), start and rules.end_problem(start, end)):
        if problem:
            problems.append(problem)
    if problems:
        return None, problems
    return RosterRow(row, values["family"], values["child"], birth, values["birth_order"], national_id,
                     values["class"], values["enrollment"], care, fee, start, end), []
