"""The monthly cycle and its reports (month, and year per facility or per fund) as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from billing.api.deps import Finance, Oversight, YearPath, actor
from billing.api.scope import JurisdictionQuery, caught_up, codes
from billing.cycle.driver import run_cycles
from billing.reports import formats
from billing.reports.month import month_report
from billing.reports.table import Table, month_table
from billing.reports.year import as_json, year_table
from tuoyu.errors import InvalidInput
from tuoyu.months import MonthPath

router = APIRouter(tags=["cycle"])
Format = Literal["json", "csv", "xlsx"]


@router.post("/cycles/{month}", summary="Run the month's cycle of every county-level jurisdiction under the code "
                                      "(default: every one the key covers); idempotent: a second run issues nothing")
async def run(month: MonthPath, request: Request, caller: Finance, jurisdiction: JurisdictionQuery = None) -> dict:
    today = request.app.state.settings.today()
    if month > f"{today:%Y-%m}":
        raise InvalidInput("month", f"{month} has not begun (today is {today}): a month is billed once it has begun")
    await caught_up(request, jurisdiction)
    settings = request.app.state.settings
    return await run_cycles(request.app.state.pool, request.app.state.subsidy, month, actor(caller), caller,
                            jurisdiction, settings.cycle_batch_lines, settings.billing_cycle_workers)


@router.get("/cycles", summary="The months billed in each jurisdiction, with the rule set that billed each")
async def cycles(request: Request, caller: Oversight, jurisdiction: JurisdictionQuery = None) -> list[dict]:
    reached = await codes(request, caller, jurisdiction)
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT jurisdiction, month, ruleset_id, ruleset_version, fund, completed_at FROM cycles "
            "WHERE $1::text[] IS NULL OR jurisdiction = ANY($1) ORDER BY month, jurisdiction", reached)
    return [{"month": r["month"], "jurisdiction": r["jurisdiction"], "ruleset": r["ruleset_id"], "ruleset_version": r["ruleset_version"],
             "fund": r["fund"], "completed_at": r["completed_at"].isoformat()} for r in rows]


def _file(table: Table, format: str, name: str) -> Response:
    body = formats.to_csv(table) if format == "csv" else formats.to_xlsx(table)
    return Response(body, media_type=formats.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'})


@router.get("/reports/{month}", summary="What the month's cycle issued (CONTRACT report shape), as JSON, CSV or XLSX",
            responses={200: {"content": {formats.MEDIA_TYPES["csv"]: {}, formats.MEDIA_TYPES["xlsx"]: {}}}})
async def report(month: MonthPath, request: Request, caller: Oversight, format: Format = "json",
                 jurisdiction: JurisdictionQuery = None):
    reached = await codes(request, caller, jurisdiction)
    async with request.app.state.pool.acquire() as conn:
        body = await month_report(conn, month, reached)
    if format == "json":
        return body
    return _file(month_table(body), format, f"report-{month}")


@router.get("/reports/year/{year}", summary="A year per facility, fund or jurisdiction, as JSON, CSV or XLSX",
            responses={200: {"content": {formats.MEDIA_TYPES["csv"]: {}, formats.MEDIA_TYPES["xlsx"]: {}}}})
async def year_report(year: YearPath, request: Request, caller: Oversight,
                      by: Literal["facility", "fund", "jurisdiction"] = "facility", format: Format = "json",
                      jurisdiction: JurisdictionQuery = None):
    reached = await codes(request, caller, jurisdiction)
    async with request.app.state.pool.acquire() as conn:
        table = await year_table(conn, year, by, reached)
    if format == "json":
        return as_json(year, by, table)
    return _file(table, format, f"report-{year}-by-{by}")
