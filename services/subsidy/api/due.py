"""What is due for a month now, computed from the facts the service holds: the answer billing reads.

One answer, `tuoyu.contracts.due` (its model, encoding and explanations are shared with billing's decoder), for
the facilities one jurisdiction governs in the month, all or a range of them: `/batches` cuts the month into ranges
so that a million lines never sit in memory at once, `/jurisdictions` lists the month's jurisdictions (each billed
by its own cycle). Auditors who want one line's reasons in full ask `/explanations`.
"""

from __future__ import annotations

import gc
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from subsidy import facts_store, jurisdiction_store, ruleset_store
from subsidy.api.deps import Oversight, month_jurisdiction
from subsidy.api.params import JurisdictionQuery
from subsidy.due_answer import due_answer
from subsidy.facts_store import FacilityRange, load_month
from subsidy.rules.catalog import NONE_IN_FORCE
from subsidy.rules.engine import compute_month
from tuoyu.auth import Principal
from tuoyu.contracts import due as contract
from tuoyu.jurisdictions import UNPLACED, county_level
from tuoyu.money import format_cny
from tuoyu.months import Month, MonthPath

router = APIRouter(tags=["due"])


async def _catch_up(request: Request, caught_up: bool) -> None:
    """`caught_up=true`: answer only once every event published so far is applied (a cycle's questions: which
    jurisdictions, which ranges, what is due, must all see the facilities where they are now)."""
    if caught_up and request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()


@router.get("/due/{month}/batches", summary="Facility ranges of about `lines` enrollments each, covering every "
                                            "facility the jurisdiction governs in the month")
async def due_batches(month: MonthPath, request: Request, caller: Oversight, jurisdiction: JurisdictionQuery = None,
                      lines: Annotated[int, Query(ge=1, le=10_000_000)] = 100_000, caught_up: bool = False) -> dict:
    await _catch_up(request, caught_up)
    the_month = Month.parse(month)
    async with request.app.state.pool.acquire() as conn:
        code = await month_jurisdiction(conn, caller, the_month, jurisdiction)
        ranges = await facts_store.batches(conn, the_month, code, lines)
    return {"month": month, "jurisdiction": code, "batches": [{"from": lo, "to": hi} for lo, hi in ranges]}


@router.get("/due/{month}/jurisdictions", summary="The jurisdictions governing a facility in the month (each its own "
                                                  "cycle), with the rule set and fund in force there")
async def due_jurisdictions(month: MonthPath, request: Request, caller: Oversight, caught_up: bool = False) -> dict:
    """Every county-level jurisdiction (and 000000, where facilities in none are) that governs at least one
    registered facility in the month, enrollments or not, by code, within the caller's scope; `ruleset` and `fund`
    null where none is in force (nothing is subsidised there)."""
    await _catch_up(request, caught_up)
    the_month = Month.parse(month)
    async with request.app.state.pool.acquire() as conn:
        codes = sorted({code for code in (await jurisdiction_store.governed(conn, the_month)).values()
                        if (code == UNPLACED or county_level(code)) and caller.may_act_in(code)})
        known = await jurisdiction_store.known(conn)
        in_force = await ruleset_store.in_force_each(conn, codes, the_month.first_day)
    return {"month": month, "jurisdictions": [
        {"code": code, "name": known.names.get(code),
         "ruleset": {"id": r.id, "version": r.version} if (r := in_force[code].ruleset) else None,
         "fund": {"id": r.fund.id, "name": r.fund.name, "default_budget": format_cny(r.fund.default_budget)}
         if r else None} for code in codes]}


@router.get("/due/{month}", summary="Every amount due for the month (or for the facilities in [from, to)) under the "
                                    "rule set in force, with its explanations: what billing reads",
            response_class=Response, responses={200: {"description": "`tuoyu.contracts.due.Due`", "content": {
                "application/json": {"schema": contract.json_schema()}}}})
async def due(month: MonthPath, request: Request, caller: Oversight, caught_up: bool = False,
              jurisdiction: JurisdictionQuery = None,
              from_facility: Annotated[str | None, Query(alias="from")] = None,
              to_facility: Annotated[str | None, Query(alias="to")] = None) -> Response:
    # Millions of short-lived objects and no reference cycles: the cyclic collector would only walk them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return await _due(month, request, caller, caught_up, jurisdiction, (from_facility, to_facility))
    finally:
        if enabled:
            gc.enable()


async def _due(month: str, request: Request, caller: Principal, caught_up: bool, jurisdiction: str | None,
               facilities: FacilityRange) -> Response:
    await _catch_up(request, caught_up)
    the_month = Month.parse(month)
    started = time.perf_counter()
    async with request.app.state.pool.acquire() as conn:
        code = await month_jurisdiction(conn, caller, the_month, jurisdiction)
        in_force = await ruleset_store.in_force(conn, code, the_month.first_day)
        facts, labels = await load_month(conn, the_month, code, facilities)
    loaded = time.perf_counter()
    result = compute_month(the_month, in_force.ruleset or NONE_IN_FORCE, facts)
    computed = time.perf_counter()
    text = contract.encode(due_answer(the_month, in_force.ruleset, facts, labels, result, facilities,
                                      jurisdiction=code, unsubsidised=in_force.unsubsidised))
    encoded = time.perf_counter()
    # Server-Timing (W3C): where the answer's time went, for billing's cycle timings and the benchmark.
    timing = ", ".join(f"{name};dur={ms:.0f}" for name, ms in (
        ("facts", (loaded - started) * 1000), ("compute", (computed - loaded) * 1000),
        ("encode", (encoded - computed) * 1000)))
    return Response(text, media_type="application/json", headers={"Server-Timing": timing})
