"""The commission desk's planning page (托位规划): the API's planning figures (`store.planning.figures`, the same
call as `GET /planning`) as charts against the seeds' targets and as a table, the same figures as CSV and JSON, and
a form per district to enter its residents (the API's `enter_one`)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from enrollment.api.deps import Today
from enrollment.api.jurisdictions import enter_one
from enrollment.api.planning import On, Within, csv_answer
from enrollment.domain import planning
from enrollment.domain.models import NewPopulation
from enrollment.store import planning as store
from tuoyu.charts import Reference, Series, bar_chart
from tuoyu.desk.web import Desk, Official, as_model, back_to, form, render
from tuoyu.jurisdictions import Code

router = APIRouter()

LEVELS = {"county": "区县", "city": "市", "province": "省"}
# (figure, chart title, unit): utilisation has no target to draw.
CHARTS = (("places_per_1000", "每千人口托位数", "个"), ("inclusive_share", "普惠托位占比", "%"),
          ("utilisation", "托位使用率（在托人数 ÷ 托位数）", "%"))


async def _figures(request: Request, desk: Desk, day: date, within: str | None) -> dict:
    return await store.figures(request.app.state.pool, day, desk.principal.covers, within)


@router.get("/desk/planning", response_class=HTMLResponse,
            summary="Planning figures per jurisdiction: charts against the targets, a table, a residents form (page)")
async def page(request: Request, desk: Official, today: Today, on: On = None, within: Within = None,
               entered: str | None = None) -> HTMLResponse:
    """`entered` (set by the form's answer) names the district whose residents were just entered."""
    day = on or today
    report = await _figures(request, desk, day, within)
    query = urlencode({"on": day, **({"jurisdiction": within} if within else {})})
    return render(request, desk, "desk_planning.html", report=report, charts=charts(report), day=day,
                  within=within, query=query, levels=LEVELS, entered=entered,
                  districts=[r for r in report["jurisdictions"] if r["level"] == "county"])


@router.get("/desk/planning.csv", summary="The planning figures as CSV (the same as GET /planning.csv)")
async def as_csv(request: Request, desk: Official, today: Today, on: On = None, within: Within = None) -> Response:
    day = on or today
    return csv_answer(await _figures(request, desk, day, within), day)


@router.get("/desk/planning.json", summary="The planning figures as JSON (the same as GET /planning)")
async def as_json(request: Request, desk: Official, today: Today, on: On = None, within: Within = None
                  ) -> JSONResponse:
    return JSONResponse(await _figures(request, desk, on or today, within))


@router.post("/desk/jurisdictions/{code}/populations", summary="Enter a district's residents on a date (form)")
async def enter(code: Code, request: Request, desk: Official, today: Today) -> RedirectResponse:
    fields = await form(request, desk)
    body = as_model(NewPopulation, {"as_of": fields.get("as_of"), "residents": fields.get("residents")})
    await enter_one(request, desk.principal, code, body, today)
    return back_to(f"/desk/planning?entered={code}")


def charts(report: dict) -> list[Markup]:
    """A bar chart per figure, a bar per jurisdiction, each target of the figure as a reference line."""
    rows = report["jurisdictions"]
    categories = [f"{r['name']}（{r['code']}）" for r in rows]
    drawn = []
    for figure, title, unit in CHARTS:
        values = [None if r[figure] is None else Decimal(r[figure]) for r in rows]
        references = [Reference(t.label, t.value) for t in planning.TARGETS if t.figure == figure]
        drawn.append(bar_chart(f"{title}（{report['on']}）", categories, [Series(title, values)], references, unit))
    return drawn
