"""What is due for a month now, computed from the facts the service holds: the answer billing reads.

One answer, `tuoyu.contracts.due` (its model, encoding and explanations are shared with billing's decoder), for
every facility or a range of them: `/batches` cuts the month into ranges so that a million lines never sit in
memory at once. Auditors who want one line's reasons in full ask `/explanations`.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from subsidy import facts_store, ruleset_store
from subsidy.api.deps import Oversight
from subsidy.due_answer import due_answer
from subsidy.facts_store import FacilityRange, load_month
from subsidy.rules.engine import compute_month
from tuoyu.contracts import due as contract
from tuoyu.months import Month, MonthPath

router = APIRouter(tags=["due"])


@router.get("/due/{month}/batches", summary="Facility ranges of about `lines` enrollments each, covering all")
async def due_batches(month: MonthPath, request: Request, _: Oversight,
                      lines: Annotated[int, Query(ge=1, le=10_000_000)] = 100_000) -> dict:
    async with request.app.state.pool.acquire() as conn:
        ranges = await facts_store.batches(conn, Month.parse(month), lines)
    return {"month": month, "batches": [{"from": lo, "to": hi} for lo, hi in ranges]}


@router.get("/due/{month}", summary="Every amount due for the month (or for the facilities in [from, to)) under the "
                                    "rule set in force, with its explanations: what billing reads",
            response_class=Response, responses={200: {"description": "`tuoyu.contracts.due.Due`", "content": {
                "application/json": {"schema": contract.json_schema()}}}})
async def due(month: MonthPath, request: Request, _: Oversight, caught_up: bool = False,
              from_facility: Annotated[str | None, Query(alias="from")] = None,
              to_facility: Annotated[str | None, Query(alias="to")] = None) -> Response:
    # Millions of short-lived objects and no reference cycles: the cyclic collector would only walk them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return await _due(month, request, caught_up, (from_facility, to_facility))
    finally:
        if enabled:
            gc.enable()


async def _due(month: str, request: Request, caught_up: bool, facilities: FacilityRange) -> Response:
    if caught_up and request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()
    the_month = Month.parse(month)
    started = time.perf_counter()
    async with request.app.state.pool.acquire() as conn:
        ruleset = await ruleset_store.in_force(conn, the_month.first_day)
        facts, labels = await load_month(conn, the_month, facilities)
    loaded = time.perf_counter()
    result = compute_month(the_month, ruleset, facts)
    computed = time.perf_counter()
    text = contract.encode(due_answer(the_month, ruleset, facts, labels, result, facilities))
    encoded = time.perf_counter()
    # Server-Timing (W3C): where the answer's time went, for billing's cycle timings and the benchmark.
    timing = ", ".join(f"{name};dur={ms:.0f}" for name, ms in (
        ("facts", (loaded - started) * 1000), ("compute", (computed - loaded) * 1000),
        ("encode", (encoded - computed) * 1000)))
    return Response(text, media_type="application/json", headers={"Server-Timing": timing})
