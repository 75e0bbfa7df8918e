"""Jurisdictions (行政区划): the platform operator adds them; the operator and the health commission list them."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from enrollment.api import schemas
from enrollment.api.deps import Admin, Operator, OperatorOrAdmin, Today, unit_of_work
from enrollment.domain.models import NewJurisdiction, NewPopulation
from enrollment.handlers import jurisdictions
from enrollment.store import jurisdictions as store, populations
from tuoyu.auth import Principal
from tuoyu.errors import NotFound
from tuoyu.jurisdictions import Code

router = APIRouter(prefix="/jurisdictions", tags=["jurisdictions"])


@router.post("", status_code=201, response_model=schemas.Jurisdiction,
             summary="Add a jurisdiction (platform operator)",
             description="A six-digit code (GB/T 2260), a name and the parent it sits under (added before it); one "
                         "with a parent is county-level, where facilities are filed.",
             responses={200: {"description": "already added with the same name and parent"}})
async def add(body: NewJurisdiction, request: Request, response: Response, _: Operator, today: Today) -> dict:
    async with unit_of_work(request) as uow:
        record, created, events = await jurisdictions.add(uow.conn, body, today)
        uow.publish(events)
    if not created:
        response.status_code = 200
    return record


@router.get("", response_model=list[schemas.Jurisdiction],
            summary="Every jurisdiction with its parent, by code (platform operator, health commission)")
async def listed(request: Request, caller: OperatorOrAdmin) -> list[dict]:
    """A key scoped to a jurisdiction sees the ones it covers."""
    async with request.app.state.pool.acquire() as conn:
        return [j for j in await store.every(conn) if caller.may_act_in(j["code"])]


def _in_scope(caller: Principal, code: str) -> None:
    if not caller.may_act_in(code):
        raise NotFound(f"no jurisdiction {code!r}")


@router.post("/{code}/populations", status_code=201, response_model=schemas.Population,
             summary="Enter a district's residents on a date (health commission, within its key's scope)",
             description="For the planning figures (`/planning`). County-level jurisdictions only: a city's are its "
                         "districts' sum. The same date again corrects the figure (event `PopulationRecorded`).",
             responses={200: {"description": "that date had a figure already: the same, or now corrected"}})
async def enter_population(code: Code, body: NewPopulation, request: Request, response: Response, caller: Admin,
                           today: Today) -> dict:
    record, created = await enter_one(request, caller, code, body, today)
    if not created:
        response.status_code = 200
    return record


async def enter_one(request: Request, caller: Principal, code: str, body: NewPopulation, today: date
                    ) -> tuple[dict, bool]:
    """Enter a district's residents for `caller` (404 outside its scope) and publish the event: what the API and the
    commission desk's form both do. (The entry, whether its date had none.)"""
    _in_scope(caller, code)
    async with unit_of_work(request) as uow:
        record, created, events = await jurisdictions.enter_population(
            uow.conn, code, body, caller.jurisdiction or "platform", today)
        uow.publish(events)
    return record, created


@router.get("/{code}/populations", response_model=list[schemas.Population],
            summary="The residents entered for a jurisdiction, latest date first (health commission)")
async def populations_of(code: Code, request: Request, caller: Admin) -> list[dict]:
    _in_scope(caller, code)
    async with request.app.state.pool.acquire() as conn:
        if await store.find(conn, code) is None:
            raise NotFound(f"no jurisdiction {code!r}")
        return await populations.of(conn, code)
