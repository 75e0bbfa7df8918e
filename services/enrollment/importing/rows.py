"""One roster row, checked on its own: the columns, their formats, and what a row alone can tell.

Pure: no database, no file. What needs the facility's records (classes, siblings, capacity, existing ids) is
checked in `apply`; the checks a row alone can make are the domain's (`rules`), with the API's messages. Problems
are reported as (column, reason), every one of them, not just the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from enrollment.domain import rules
from enrollment.domain.models import FIRST_DAY, LAST_DAY
from tuoyu.money import MoneyFormatError, parse_cny

# The columns of a roster file, in the order the template has them (docs/roster-import.md).
COLUMNS = ("family", "child", "birth_date", "birth_order", "national_id", "class", "enrollment", "care",
           "monthly_fee", "start", "end")
OPTIONAL = frozenset({"national_id", "care", "end"})
REQUIRED = tuple(c for c in COLUMNS if c not in OPTIONAL)
# Headers Chinese spreadsheets use, accepted as the same columns.
ALIASES = {
    "家庭": "family", "家庭编号": "family", "幼儿": "child", "幼儿编号": "child", "儿童编号": "child",
    "出生日期": "birth_date", "孩次": "birth_order", "身份证号": "national_id", "身份证号码": "national_id",
    "班级": "class", "班级编号": "class", "入托编号": "enrollment", "托育类型": "care", "月收费": "monthly_fee",
    "月收费标准": "monthly_fee", "入托日期": "start", "离托日期": "end",
}
CARE = ("full_day", "half_day", "hourly", "temporary")
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_NATIONAL_ID = re.compile(r"^[0-9]{17}[0-9Xx]$")
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


def column_of(header: str) -> str | None:
    name = header.strip().lstrip("\ufeff")
    name = ALIASES.get(name, name.lower())
    return name if name in COLUMNS else None


def _date(value: str) -> date:
    match = _DATE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a date such as 2022-09-01")
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        raise ValueError(f"{value!r} is not a date that exists (such as 2022-09-01)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{value!r} is not between {FIRST_DAY} and {LAST_DAY}")
    return day


def parse(row: int, cells: dict[str, str], today: date) -> tuple[RosterRow | None, list[tuple[str, str]]]:
    """The row as values, or the problems with it as (column, reason)."""
    problems: list[tuple[str, str]] = []
    values: dict[str, object] = {}

    for column in ("family", "child", "class", "enrollment"):
        value = cells.get(column, "")
        if not value:
            problems.append((column, "is required"))
        elif not _ID.match(value):
            problems.append((column, f"{value!r} is not an external id (letters, digits, _ . -; at most 64)"))
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
    if not re.fullmatch(r"[0-9]{1,2}", order) or not 1 <= int(order) <= 20:
        problems.append(("birth_order", f"{order!r} is not a birth order (a whole number from 1 to 20)"))
    else:
        values["birth_order"] = int(order)
    national_id = cells.get("national_id", "") or None
    if national_id is not None and not _NATIONAL_ID.match(national_id):
        problems.append(("national_id", "is not a national ID number: 18 characters, 17 digits then a digit or X "
                                        "(in a spreadsheet, keep it in a text cell)"))
    care = cells.get("care", "") or "full_day"
    if care not in CARE:
        problems.append(("care", f"{care!r} is not one of {', '.join(CARE)}"))
    try:
        fee = parse_cny(cells.get("monthly_fee", ""))
        if fee < 0:
            problems.append(("monthly_fee", "must not be negative"))
    except MoneyFormatError as exc:
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
