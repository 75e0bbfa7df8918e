"""What is due for a month, as columns: the form billing reads, compact enough for a million lines.

`GET /due/{month}` answers one JSON object per line with its explanation; at a million lines that is most of a
cycle's time spent building and parsing dicts. Here every field is one JSON array (facilities dictionary-encoded),
and the explanation is split into what all lines share and one array per varying input.
"""

from __future__ import annotations

import gc
import time
from datetime import date
from typing import Annotated

import numpy as np
import orjson
from fastapi import APIRouter, Query, Request, Response

from subsidy import ruleset_store
from subsidy.api.deps import Oversight
from subsidy import facts_store
from subsidy.facts_store import FacilityRange, load_month
from subsidy.rules.engine import compute_month
from tuoyu.money import format_cny, format_rate
from tuoyu.months import Month, MonthPath

router = APIRouter(tags=["due"])


def _monthly_fee(facts, n: int) -> np.ndarray:
    """Per enrollment row, the monthly fee of its last fee run in the month (fee × days ÷ days in month)."""
    fee = np.zeros(n, dtype=np.int64)
    rows = facts.fee_periods.enrollment
    if len(rows):
        last = np.r_[np.nonzero(np.diff(rows))[0], len(rows) - 1]
        fee[rows[last]] = facts.fee_periods.fee_fen[last]
    return fee


def _rate_at(facility, ruleset, day: date) -> str | None:
    rates = [rate for since, rate in sorted(facility.rates) if since <= day]
    return format_rate(ruleset.operating_subsidy.clamp(rates[-1])) if rates else None


@router.get("/due/{month}/batches", summary="Facility ranges of about `lines` enrollments each, covering all")
async def due_batches(month: MonthPath, request: Request, _: Oversight,
                      lines: Annotated[int, Query(ge=1, le=10_000_000)] = 100_000) -> dict:
    async with request.app.state.pool.acquire() as conn:
        ranges = await facts_store.batches(conn, Month.parse(month), lines)
    return {"month": month, "batches": [{"from": lo, "to": hi} for lo, hi in ranges]}


@router.get("/due/{month}/columns", summary="Every amount due for the month (or for the facilities in [from, to)), "
                                        "as columns: what billing reads")
async def due_columns(month: MonthPath, request: Request, _: Oversight, caught_up: bool = False,
                      from_facility: Annotated[str | None, Query(alias="from")] = None,
                      to_facility: Annotated[str | None, Query(alias="to")] = None) -> Response:
    # Millions of short-lived objects and no reference cycles: the cyclic collector would only walk them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return await _due_columns(month, request, caught_up, (from_facility, to_facility))
    finally:
        if enabled:
            gc.enable()


async def _due_columns(month: str, request: Request, caught_up: bool, facilities: FacilityRange) -> Response:
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
    lines, n = result.lines, len(result.lines)
    rank = lines.sibling_rank
    rate_of_rank = {r: format_rate(ruleset.sibling_reduction.rate_for(r)) for r in np.unique(rank).tolist()}
    fac = result.facilities
    body = {
        "month": month,
        "facility_range": {"from": facilities[0], "to": facilities[1]},
        "ruleset": {"id": ruleset.id, "version": ruleset.version},
        "fund": {"id": ruleset.fund.id, "name": ruleset.fund.name, "default_budget_fen": ruleset.fund.default_budget},
        "facilities": labels.facilities,
        "lines": {  # numpy columns go to JSON as they are (orjson); the ids are Python strings
            "facility": facts.enrollments.facility, "family": labels.family.tolist(),
            "child": labels.child.tolist(), "enrollment": labels.enrollment.tolist(),
            "fee_fen": lines.fee_fen, "reduction_fen": lines.reduction_fen,
            "operating_subsidy_fen": lines.operating_subsidy_fen,
        },
        "explanation": {
            "constant": {"ruleset": ruleset.id, "ruleset_version": ruleset.version, "days_in_month": the_month.days,
                         "rank_basis": ruleset.sibling_reduction.basis},
            "columns": {
                "days": lines.enrolled_days, "subsidised_days": lines.subsidised_days,
                "sibling_rank": rank, "age_eligible": lines.age_eligible, "monthly_fee": _monthly_fee(facts, n),
            },
            # Kept as numbers on the wire: `money` columns are fen (shown as "2000.00"); a lookup column's value
            # comes from another column through a table (the rule set's reduction rate for each rank).
            "money": ["monthly_fee"],
            "lookups": {"reduction_rate": {"from": "sibling_rank", "values": {str(r): v for r, v in rate_of_rank.items()}}},
        },
        "grants": [{"facility": labels.facilities[g.facility], "class": g.class_external_id, "grant": g.grant_id,
                    "rule": g.rule, "amount_fen": g.amount_fen,
                    "explanation": {"class": g.class_external_id, "amount": format_cny(g.amount_fen)}}
                   for g in result.grants],
        "facility_status": [
            {"facility": name, "held": bool(fac.held[i]), "revoked": bool(fac.revoked[i]),
             "in_rectification": bool(fac.in_rectification_at_month_end[i]),
             "explanation": {"eligible_days": int(fac.eligible_days[i]),
                             "rate": _rate_at(facts.facilities[i], ruleset, the_month.last_day),
                             "in_rectification": bool(fac.in_rectification_at_month_end[i]),
                             "revoked_on": fac.revoked_on[i].isoformat() if fac.revoked_on[i] else None}}
            for i, name in enumerate(labels.facilities)],
    }
    text = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    encoded = time.perf_counter()
    # Server-Timing (W3C): where the answer's time went, for billing's cycle timings and the benchmark.
    timing = ", ".join(f"{name};dur={ms:.0f}" for name, ms in (
        ("facts", (loaded - started) * 1000), ("compute", (computed - loaded) * 1000),
        ("encode", (encoded - computed) * 1000)))
    return Response(text, media_type="application/json", headers={"Server-Timing": timing})
