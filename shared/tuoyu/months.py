"""Months such as "2022-09": parsed, checked and written once, with their days, and the types that take one at the
edges (a FastAPI path or query parameter, a request body field, the CLI's `--month`).

A `Month` is any calendar month of years 1 to 9999 (the engine and the rule cases compute any of them). The APIs take
a month of 2000–2099 (`PATTERN`): every record, cycle and report falls in it, and a typing error such as "0222-09"
is refused rather than billed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
EXAMPLE = "2022-09"


def _refused(text: str) -> ValueError:
    return ValueError(f"{text!r} is not a month such as \"{EXAMPLE}\"")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month such as 2022-09; ordered by time."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.year <= 9999 and 1 <= self.month <= 12):
            raise _refused(f"{self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2022-09' → Month(2022, 9); anything else (such as '2022-9', '2022-13', 'Sept 2022') is a ValueError."""
        match = _MONTH.fullmatch(text.strip())
        if not match:
            raise _refused(text)
        try:
            return cls(int(match[1]), int(match[2]))
        except ValueError:
            raise _refused(text) from None

    @classmethod
    def of(cls, day: date) -> Month:
        """The month `day` falls in."""
        return cls(day.year, day.month)

    @cached_property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @cached_property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @cached_property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def in_chinese(self) -> str:
        """'2022年9月', as a family reads it."""
        return f"{self.year}年{self.month}月"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# --- at the edges: the APIs and the CLI ----------------------------------------------------------------------------

PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
"""A month the APIs take: 2000-01 to 2099-12, written as in `Month.__str__`."""
DESCRIPTION = f"a month such as {EXAMPLE} (2000–2099)"
_API_MONTH = re.compile(PATTERN)


def api_month(text: str) -> str:
    """`text` if the APIs take it as a month (`PATTERN`), else a ValueError saying what a month looks like."""
    if not _API_MONTH.fullmatch(text):
        raise ValueError(f"{text!r} is not a month such as \"{EXAMPLE}\" (2000–2099)")
    return text


def month_query(description: str = DESCRIPTION):
    """An optional month query parameter; `description` says what it selects."""
    return Annotated[str | None, Query(pattern=PATTERN, description=description)]


MonthPath = Annotated[str, Path(pattern=PATTERN, description=DESCRIPTION)]
MonthQuery = month_query()
MonthField = Annotated[str, Field(pattern=PATTERN, description=DESCRIPTION)]
"""A month in a request body (pydantic model)."""
