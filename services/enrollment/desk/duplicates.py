"""Children held under one national ID at more than one facility in the official's scope: the API's query
(`/national-id-duplicates`), as a page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from enrollment.api.deps import in_scope
from enrollment.store.duplicates import duplicates as duplicate_groups
from tuoyu.desk.web import Official, render

router = APIRouter()
PAGE = 100


@router.get("/desk/duplicates", response_class=HTMLResponse,
            summary="Children registered with one national ID at two facilities or more (page)")
async def duplicates(request: Request, desk: Official, cursor: str | None = None) -> HTMLResponse:
    among = await in_scope(request, desk.principal)
    async with request.app.state.pool.acquire() as conn:
        found = await duplicate_groups(conn, limit=PAGE, cursor=cursor, among=among)
    return render(request, desk, "desk_duplicates.html", groups=found["items"], next_cursor=found["next_cursor"])
