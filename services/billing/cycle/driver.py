"""Bills a month in every county-level jurisdiction a caller asks for: each its own cycle, each in its own
transaction; one that fails stops none of the others (POLICY "Jurisdictions").

Cycles that draw on one fund run one after another in code order, so a city fund shared by its districts is spent
in the same order on every run (the fund's lock would serialise them anyway, in whatever order they came). Groups of
different funds run at the same time, at most `workers` at once: each cycle has its own connection and transaction,
its own jurisdiction's lock and document counters: nothing orders them but the machine's cores.

Which cycles: every jurisdiction that governs a facility in the month (the subsidy service's
`/due/{month}/jurisdictions`) or billed an earlier month (its corrections), that lies under the code asked for
(a city's or a province's: its districts') and within the caller's scope. The answer lists each cycle's result and,
for callers that bill one district (or read the answer as before jurisdictions), the same fields summed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Iterable, Mapping

import asyncpg

from billing.cycle import store
from billing.cycle.run import bulk_allocation, run_cycle
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


def groups(jurisdictions: Iterable[str], fund_of: Mapping[str, str | None]) -> list[list[str]]:
    """The jurisdictions in groups that run one after another: those drawing on one fund together, each group in
    code order, the groups in the order of their first code. One without a fund (none in force, none ever) is a
    group of its own."""
    by_fund: dict[str, list[str]] = {}
    out: list[list[str]] = []
    for code in sorted(jurisdictions):
        fund = fund_of.get(code)
        if fund is None:
            out.append([code])
        elif fund in by_fund:
            by_fund[fund].append(code)
        else:
            out.append(by_fund.setdefault(fund, [code]))
    return out


async def each(month: str, jurisdictions: list[str], run: Callable[[str], Awaitable[dict]],
               fund_of: Mapping[str, str | None] | None = None, workers: int = 1) -> dict:
    """`run` each jurisdiction's cycle, the `groups` sharing a fund one after another, up to `workers` groups at
    once; a failure is logged and reported in its place, the others run. The answer lists the cycles in code order
    whatever order they finished in. If every one fails, nothing was issued anywhere: the first error (in code
    order) is raised, as one cycle's was before jurisdictions. Returns `summed`."""
    results: dict[str, dict] = {}
    errors: dict[str, Exception] = {}
    slots = asyncio.Semaphore(workers)

    async def one_group(group: list[str]) -> None:
        async with slots:
            for jurisdiction in group:
                try:
                    results[jurisdiction] = await run(jurisdiction)
                except Exception as error:  # noqa: BLE001 - one jurisdiction's failure stops none of the others
                    log.exception("cycle %s of %s failed", month, jurisdiction)
                    errors[jurisdiction] = error
                    detail = error.detail if isinstance(error, TuoyuError) else f"{type(error).__name__}: {error}"
                    results[jurisdiction] = {"month": month, "jurisdiction": jurisdiction, "issued": False,
                                             "error": str(detail)}

    await asyncio.gather(*(one_group(g) for g in groups(jurisdictions, fund_of or {})))
    if errors and len(errors) == len(results):
        raise errors[min(errors)]
    return summed(month, [results[j] for j in sorted(jurisdictions)])


async def run_cycles(pool: asyncpg.Pool, subsidy: SubsidyClient, month: str, actor: str, caller: Principal,
                     code: str | None = None, batch_lines: int = 100_000, workers: int = 1) -> dict:
    """Run every chosen jurisdiction's cycle of the month (see `chosen`), each in its own transaction, up to
    `workers` funds' cycles at once (see `each`)."""
    if code is not None and not caller.may_act_in(code):
        raise NotFound(f"no jurisdiction {code!r} for this key")
    governing = {j["code"]: j["fund"] and j["fund"]["id"] for j in await subsidy.jurisdictions(month)}
    async with pool.acquire() as conn:
        known = await tree(conn)
        billed = [r["jurisdiction"] for r in await conn.fetch(
            "SELECT DISTINCT jurisdiction FROM cycles WHERE month < $1", month)]
        last = await store.last_funds(conn, [*governing, *billed])
    # The fund a cycle draws on (`run._begin`): its rule set's in the month, else its last subsidised cycle's.
    fund_of = {j: governing.get(j) or (last[j].id if j in last else None) for j in {*governing, *billed}}
    jurisdictions = chosen(governing, billed, known, code, caller.covers)
    # Cycles at once share the memory one cycle had: each takes its month in ranges that many times smaller.
    lines = max(1, batch_lines // max(1, min(workers, len(groups(jurisdictions, fund_of)))))
    # Collection off for the whole run, not per cycle: the first cycle to finish would turn it back on under the
    # others still running.
    with bulk_allocation():
        return await each(month, jurisdictions,
                          lambda jurisdiction: run_cycle(pool, subsidy, month, actor, lines, jurisdiction),
                          fund_of, workers)
