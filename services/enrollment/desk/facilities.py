"""The commission desk's first page: the facilities in the official's scope, by jurisdiction, each with its status
today (`tuoyu.standing`, the API's rule) and the rule set in force there (asked of the subsidy service, as the public
disclosure does), and how many of its classes wait for confirmation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from enrollment.api.deps import Today, in_scope
from enrollment.api.public import KINDS, STATUS
from enrollment.domain import views
from enrollment.store import classes, jurisdictions, views as lists
from tuoyu.desk.web import Official, render

router = APIRouter()
PAGE = 200


@router.get("/desk", response_class=HTMLResponse, summary="The facilities in the official's scope (page)")
async def facilities(request: Request, desk: Official, today: Today, cursor: str | None = None) -> HTMLResponse:
    among = await in_scope(request, desk.principal)
    async with request.app.state.pool.acquire() as conn:
        listed = await lists.facilities(conn, status_=None, kind=None, inclusive=None, limit=PAGE, cursor=cursor,
                                        among=among, on=today)
        ids = [f["external_id"] for f in listed["items"]]
        histories = await jurisdictions.histories(conn, ids)
        grouped = views.by_jurisdiction(listed["items"], histories, await jurisdictions.every(conn), today)
        waiting = await classes.awaiting_counts(conn, ids)
    rulesets = await request.app.state.rate_bounds.rulesets(today, [j["code"] for j in grouped["jurisdictions"]])
    return render(request, desk, "desk_facilities.html", as_of=today, next_cursor=listed["next_cursor"],
                  jurisdictions=views.with_rulesets(grouped["jurisdictions"], rulesets, today),
                  by_id={f["external_id"]: f for f in grouped["facilities"]}, waiting=waiting, kinds=KINDS,
                  status=STATUS)
