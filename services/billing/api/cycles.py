"""The monthly cycle and its report."""

from __future__ import annotations

from fastapi import APIRouter, Request

from billing.api.deps import Finance, MonthPath, Oversight
from billing.cycle.run import run_cycle
from billing.reports.month import month_report

router = APIRouter(tags=["cycle"])


@router.post("/cycles/{month}", summary="Run the month's cycle (idempotent: a second run issues nothing)")
async def run(month: MonthPath, request: Request, caller: Finance) -> dict:
    return await run_cycle(request.app.state.pool, request.app.state.subsidy, month, caller.role)


@router.get("/reports/{month}", summary="What the month's cycle issued (CONTRACT report shape)")
async def report(month: MonthPath, request: Request, _: Oversight) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await month_report(conn, month)
