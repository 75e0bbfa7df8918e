"""Classes waiting for the commission's confirmation, each with a form: a posted date confirms the class by the
API's own call (`api.confirmations.confirm_one`), so the page and `PUT .../confirmation` record and publish alike."""

from __future__ import annotations

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from enrollment.api.confirmations import confirm_one
from enrollment.api.deps import Today, facility_scope, in_scope
from enrollment.domain.models import ClassConfirmation
from enrollment.store import classes as store
from tuoyu.desk.web import Desk, Official, as_model, back_to, form, render
from tuoyu.errors import NotFound

router = APIRouter()
LIMIT = 500


@router.get("/desk/classes", response_class=HTMLResponse, summary="Classes waiting for confirmation (page)")
async def waiting(request: Request, desk: Official, today: Today, facility: str | None = None,
                  confirmed: str | None = None) -> HTMLResponse:
    """`facility` keeps one facility's classes; `confirmed` (facility/class, set by the form's answer) names a class
    just confirmed, shown only as the store has it."""
    among = await in_scope(request, desk.principal)
    if facility is not None:
        among = {facility} & among if among is not None else {facility}
    async with request.app.state.pool.acquire() as conn:
        classes = await store.awaiting_confirmation(conn, among, LIMIT)
        done = await _just_confirmed(request, desk, conn, confirmed)
    return render(request, desk, "desk_classes.html", classes=classes[:LIMIT], more=len(classes) > LIMIT,
                  today=today, facility=facility, done=done)


@router.post("/desk/facilities/{facility}/classes/{klass}/confirmation", summary="Confirm a class (form)")
async def confirm(facility: str, klass: str, request: Request, desk: Official, today: Today) -> RedirectResponse:
    fields = await form(request, desk)
    await facility_scope(request, desk.principal, facility)
    wanted = as_model(ClassConfirmation, {"confirmed_on": fields.get("confirmed_on")})
    await confirm_one(request, facility, klass, wanted.confirmed_on, today)
    return back_to(f"/desk/classes?confirmed={facility}/{klass}")


async def _just_confirmed(request: Request, desk: Desk, conn: asyncpg.Connection, confirmed: str | None
                          ) -> dict | None:
    """The class a `confirmed` flash names, if the official may see it and it is confirmed, else nothing."""
    facility, _, klass = (confirmed or "").partition("/")
    if not klass:
        return None
    try:
        await facility_scope(request, desk.principal, facility)
    except NotFound:
        return None
    return await store.confirmed(conn, facility, klass)
