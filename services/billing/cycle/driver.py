"""Bills a month in every county-level jurisdiction a caller asks for: each its own cycle, each in its own
transaction, one after the other; one that fails stops none of the others (POLICY "Jurisdictions").

Which cycles: every jurisdiction that governs a facility in the month (the subsidy service's
`/due/{month}/jurisdictions`) or billed an earlier month (its corrections), that lies under the code asked for
(a city's or a province's: its districts') and within the caller's scope. The answer lists each cycle's result and,
for callers that bill one district (or read the answer as before jurisdictions), the same fields summed.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, Iterable

import asyncpg

from billing.cycle.run import run_cycle
from billing.subsidy_client import SubsidyClient
from tuoyu.auth import Principal
from tuoyu.errors import NotFound, TuoyuError
from tuoyu.jurisdictions import UNPLACED, Tree, county_level, under

log = logging.getLogger(__name__)


def chosen(governing: Iterable[str], billed_before: Iterable[str], tree: Tree, code: str | None,
           covers: frozenset[str] | None) -> list[str]:
    """The jurisdictions whose cycles run, in code order: county-level (or unplaced) ones that govern a facility
    or billed an earlier month, under `code` (None: any), that the caller's scope `covers` (None: the platform).
    A platform-wide run with nothing to bill still bills the unplaced jurisdiction: the month is then billed,
    empty, as it was before jurisdictions."""
    candidates = {c for c in (*governing, *billed_before) if c == UNPLACED or county_level(c)}
    if code is not None:
        candidates &= under(code, tree)
    if covers is not None:
        candidates &= covers
    if not candidates and code is None and covers is None:
        candidates = {UNPLACED}
    return sorted(candidates)


def _add(total, value):
    """Numbers summed, dicts summed key by key, lists joined: the cycles' answers as one."""
    if isinstance(value, dict):
        out = dict(total or {})
        for key, item in value.items():
            out[key] = _add(out.get(key), item)
        return out
    if isinstance(value, list):
        return [*(total or []), *value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round((total or 0) + value, 3)
    return value if total is None else total


SUMMED = ("family_documents", "payouts", "documents", "payout_statuses", "blocked", "seconds")


def summed(month: str, results: list[dict]) -> dict:
    """`{"month", "cycles": [...]}` with the old top-level fields: issued if any cycle issued, the counts, blocked
    facilities and timings summed, the corrected months joined; `reason` when none issued and all said the same."""
    out: dict = {"month": month, "issued": any(r.get("issued") for r in results)}
    for result in results:
        for key in SUMMED:
            if key in result:
                out[key] = _add(out.get(key), result[key])
    months = sorted({m for r in results for m in r.get("corrected_months", [])})
    if any("corrected_months" in r for r in results):
        out["corrected_months"] = months
    reasons = {r.get("reason") for r in results if not r.get("issued")}
    if not out["issued"] and len(reasons) == 1 and None not in reasons:
        out["reason"] = reasons.pop()
    return {**out, "cycles": results}


async def tree(conn: asyncpg.Connection) -> Tree:
    """The jurisdictions billing knows (from `JurisdictionAdded`), each with its parent."""
    return {r["code"]: r["parent"] for r in await conn.fetch("SELECT code, parent FROM jurisdictions")}


async def each(month: str, jurisdictions: list[str], run: Callable[[str], Awaitable[dict]]) -> dict:
    """`run` each jurisdiction's cycle in turn; a failure is logged and reported in its place, the others run. If
    every one fails, nothing was issued anywhere: the first error is raised, as one cycle's was before
    jurisdictions. Returns `summed`."""
    results, errors = [], []
    for jurisdiction in jurisdictions:
        try:
            results.append(await run(jurisdiction))
        except Exception as error:  # noqa: BLE001 - one jurisdiction's failure stops none of the others
            log.exception("cycle %s of %s failed", month, jurisdiction)
            errors.append(error)
            detail = error.detail if isinstance(error, TuoyuError) else f"{type(error).__name__}: {error}"
            results.append({"month": month, "jurisdiction": jurisdiction, "issued": False, "error": str(detail)})
    if errors and len(errors) == len(results):
        raise errors[0]
    return summed(month, results)


async def run_cycles(pool: asyncpg.Pool, subsidy: SubsidyClient, month: str, actor: str, caller: Principal,
                     code: str | None = None, batch_lines: int = 100_000) -> dict:
    """Run every chosen jurisdiction's cycle of the month (see `chosen`), each in its own transaction."""
    if code is not None and not caller.may_act_in(code):
        raise NotFound(f"no jurisdiction {code!r} for this key")
    governing = [j["code"] for j in await subsidy.jurisdictions(month)]
    async with pool.acquire() as conn:
        known = await tree(conn)
        billed = [r["jurisdiction"] for r in await conn.fetch(
            "SELECT DISTINCT jurisdiction FROM cycles WHERE month < $1", month)]
    return await each(month, chosen(governing, billed, known, code, caller.covers),
                      lambda jurisdiction: run_cycle(pool, subsidy, month, actor, batch_lines, jurisdiction))
