"""Planning figures (规划指标) for the health commission: places per 1,000 residents, the inclusive share and
utilisation per jurisdiction on a day, against the seeds' targets (`domain.planning`), as JSON and as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from enrollment.api.deps import Admin, Today
from enrollment.api.schemas import Out
from enrollment.domain import planning
from enrollment.store import planning as store
from tuoyu.jurisdictions import Code

router = APIRouter(tags=["planning"])

On = Annotated[date | None, Query(description="the day the figures are for (default: today)")]
Within = Annotated[Code | None, Query(alias="jurisdiction", description="only this jurisdiction and those under it "
                                      "(default: every one the key covers)")]
FIGURE = "two decimals, rounded half up; null when there is nothing to divide by"


class Target(Out):
    key: str
    figure: str = Field(description="places_per_1000 or inclusive_share: the figure it is a floor for")
    value: str
    label: str = Field(description="its name and source in a few words (a chart's reference line)")
    words: str = Field(description="what the source says")
    source: str


class Row(Out):
    code: str
    name: str
    parent: str | None
    level: str = Field(description="county, city or province")
    districts: list[str] = Field(description="a city's or province's county-level jurisdictions, summed here")
    facilities: int = Field(description="filed, not revoked, on the day")
    places: int = Field(description="capacity of their classes open on the day")
    inclusive_places: int = Field(description="those at inclusive (普惠) facilities")
    enrolled: int = Field(description="children enrolled on the day")
    residents: int | None = Field(description="the latest figure entered on or before the day (a city: its "
                                              "districts' sum); null when one is missing")
    residents_as_of: str | None = Field(description="a district's: the date of the figure used")
    population_missing: list[str] = Field(description="districts with no residents entered on or before the day")
    places_per_1000: str | None = Field(description=f"places per 1,000 residents: {FIGURE}")
    inclusive_share: str | None = Field(description=f"inclusive places ÷ places, %: {FIGURE}")
    utilisation: str | None = Field(description=f"children enrolled ÷ places, %: {FIGURE}")
    meets: dict[str, bool | None] = Field(description="each target's key: the figure reaches it (null: no figure)")


class Planning(Out):
    on: str
    jurisdictions: list[Row]
    targets: list[Target]
    utilisation_target: None
    utilisation_note: str


@router.get("/planning", response_model=Planning,
            summary="Planning figures per jurisdiction on a day (health commission, within its key's scope)",
            description="A city's or province's row is the sum of its districts'. Targets: 4.5 places per 1,000 "
                        "(national, 2025), 6 and 9 (old and new areas, seed 002), 60% inclusive (seed 001, 2025); "
                        "utilisation has none.")
async def figures(request: Request, caller: Admin, today: Today, on: On = None, within: Within = None) -> dict:
    return await store.figures(request.app.state.pool, on or today, caller.covers, within)


@router.get("/planning.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}},
            summary="The same figures as CSV (UTF-8 with BOM; no cell is a live formula)")
async def figures_csv(request: Request, caller: Admin, today: Today, on: On = None, within: Within = None
                      ) -> Response:
    day = on or today
    return csv_answer(await store.figures(request.app.state.pool, day, caller.covers, within), day)


def csv_answer(report: dict, day: date) -> Response:
    """The figures as a CSV download (the API's and the desk's)."""
    return Response(planning.to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="planning-{day}.csv"'})
