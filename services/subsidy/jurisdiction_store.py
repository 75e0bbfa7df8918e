"""Which jurisdiction governs each facility in a month, and the jurisdictions' tree, read from the projection.

A month's facilities are those its jurisdiction governs (POLICY "Jurisdictions"): the facility's jurisdiction on
the month's first day (`tuoyu.jurisdictions.governing`); a facility with no history is UNPLACED, as every facility
was before jurisdictions. Histories are few (one row per facility) and the rule is one shared function, so it runs
here in Python rather than again in SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Callable

import asyncpg

from tuoyu.errors import InvalidInput
from tuoyu.jurisdictions import UNPLACED, Tree, governing
from tuoyu.months import Month


@dataclass(frozen=True)
class Jurisdictions:
    """The jurisdictions the service has seen: each one's parent (the tree) and name."""

    tree: Tree
    names: dict[str, str]

    def label(self, code: str) -> str:
        """The code and its name, such as 330903 普陀区 (the code alone when its name is not known)."""
        return f"{code} {self.names[code]}" if code in self.names else code


async def known(conn: asyncpg.Connection) -> Jurisdictions:
    rows = await conn.fetch("SELECT code, name, parent FROM jurisdictions")
    return Jurisdictions({r["code"]: r["parent"] for r in rows}, {r["code"]: r["name"] for r in rows})


def governing_from(history_json: str, day: date) -> str:
    """The jurisdiction governing the month of `day` by a facility's history as the projection keeps it (jsonb)."""
    history = [(date.fromisoformat(e["from"]), e["jurisdiction"]) for e in json.loads(history_json)]
    return governing(history, day) or UNPLACED


async def governed(conn: asyncpg.Connection, month: Month) -> dict[str, str]:
    """Every facility's external_id → the jurisdiction governing it in the month."""
    rows = await conn.fetch("SELECT external_id, jurisdictions FROM facilities")
    return {r["external_id"]: governing_from(r["jurisdictions"], month.first_day) for r in rows}


async def of_month(conn: asyncpg.Connection, month: Month, asked: str | None,
                   within: Callable[[str], bool] = lambda code: True) -> str:
    """The jurisdiction a month's question is about: the one asked, else the one governing every facility with
    enrollments in the month (every facility, if none has any) among those `within` the caller's scope; 422 naming
    them when they are several (never a code outside the scope: that another district has facilities is not the
    caller's to learn)."""
    if asked is not None:
        return asked
    facilities = await governed(conn, month)
    enrolled = await conn.fetch("SELECT DISTINCT facility FROM enrollments WHERE start_on <= $2 "
                                "AND coalesce(end_on, 'infinity') >= $1", month.first_day, month.last_day)
    codes = sorted(code for code in {facilities.get(r["facility"], UNPLACED) for r in enrolled}
                   or set(facilities.values()) if within(code))
    if len(codes) > 1:
        raise InvalidInput("jurisdiction", f"the facilities of {month} are governed by {', '.join(codes)}: "
                                           "name one of them")
    return codes[0] if codes else UNPLACED
