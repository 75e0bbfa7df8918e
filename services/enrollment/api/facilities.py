"""Facilities: registered (by the health commission or by themselves), filed (备案), certified, rated, reviewed."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from enrollment.api import schemas
from enrollment.api.deps import (
    Admin, Caller, CommissionFacility, OwnFacility, Today, facility_scope, in_scope, pepper, placeable, unit_of_work,
)
from enrollment.domain import views
from enrollment.handlers import facilities, jurisdictions, keys
from enrollment.store import facilities as store, views as lists
from enrollment.domain.models import (
    Certifications, FacilityChange, Filing, Move, NewFacility, RateChange, Review,
)
from tuoyu import auth

router = APIRouter(prefix="/facilities", tags=["facilities"])
registrations = APIRouter(tags=["facilities"])

Limit = Annotated[int, Query(ge=1, le=views.MAX_LIMIT, description="at most this many items")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


@router.post("", status_code=201, summary="Register a facility (health commission)",
             response_model=schemas.Facility,
             responses={200: {"description": "already registered with the same content"}})
async def register(body: NewFacility, request: Request, response: Response, caller: Admin, today: Today) -> dict:
    placeable(caller, body.jurisdiction)
    async with unit_of_work(request) as uow:
        snapshot, created, events = await facilities.register(uow.conn, body, today)
        uow.publish(events)
    if not created:
        await facility_scope(request, caller, body.external_id)  # the same one again, where it is now
        response.status_code = 200
    return snapshot


@registrations.post("/registrations", status_code=201, response_model=schemas.Registration,
                    summary="A facility registers itself (no key) and receives its own API key, once",
                    description="The health commission then files it (备案). Registering an external_id that "
                                "exists is refused (409): keys for an existing facility come from the commission.")
async def self_register(body: NewFacility, request: Request, today: Today) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, _, events = await facilities.register(uow.conn, body, today, self_registered=True)
        fid = await store.facility_id(uow.conn, body.external_id)
        issued, key_events = await keys.issue(uow.conn, fid, body.external_id, pepper(request), today,
                                              "self-registration")
        uow.publish(events + key_events)
    return {"facility": snapshot, "key": issued}


@router.get("", summary="Facilities, filtered and paginated (health commission)",
            response_model=schemas.Page[schemas.FacilityListed])
async def listed(request: Request, caller: Admin, limit: Limit = 100, cursor: Cursor = None,
                 status: Literal["registered", "filed", "rectification", "revoked"] | None = None,
                 kind: str | None = None, inclusive: bool | None = None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await lists.facilities(conn, status_=status, kind=kind, inclusive=inclusive, limit=limit,
                                      cursor=cursor, among=await in_scope(request, caller))


@router.get("/{facility}", summary="A facility as the subsidy rules see it", response_model=schemas.Facility)
async def get(facility: OwnFacility, request: Request) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await store.snapshot(conn, await store.facility_id(conn, facility))


@router.patch("/{facility}", summary="Change a facility's name or bank account (its key), or its kind, ownership, "
                                     "inclusive flag and meals (health commission)", response_model=schemas.Facility)
async def change(facility: OwnFacility, body: FacilityChange, request: Request, caller: Caller, today: Today) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.change(uow.conn, facility, body, caller.role == auth.ADMIN, today)
        uow.publish(events)
    return snapshot


async def _rate_bounds(request: Request, facility: str, day: date, field: str = "effective_from") -> tuple | None:
    """The rate bounds in force in the facility's jurisdiction on `day`; None (any rate accepted): none in force."""
    async with request.app.state.pool.acquire() as conn:
        snapshot = await store.snapshot(conn, await store.facility_id(conn, facility))
    history = [(date.fromisoformat(e["from"]), e["jurisdiction"]) for e in snapshot["jurisdictions"]]
    return await request.app.state.rate_bounds.on(day, history, field)


@router.put("/{facility}/filing", summary="File the facility (备案) and set its first subsidy rate",
            response_model=schemas.Facility)
async def file(facility: CommissionFacility, body: Filing, request: Request, today: Today) -> dict:
    bounds = await _rate_bounds(request, facility, body.filed_on, "filed_on")
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.file(uow.conn, facility, body, bounds, today)
        uow.publish(events)
    return snapshot


@router.put("/{facility}/certifications", summary="Record fire-safety certification and food licence dates",
            response_model=schemas.Facility)
async def certify(facility: CommissionFacility, body: Certifications, request: Request, today: Today) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.certify(uow.conn, facility, body, today)
        uow.publish(events)
    return snapshot


@router.post("/{facility}/rates", summary="Change the subsidy rate from a date (refused outside the rule set's "
                                          "bounds)", response_model=schemas.Facility)
async def change_rate(facility: CommissionFacility, body: RateChange, request: Request, today: Today) -> dict:
    bounds = await _rate_bounds(request, facility, body.effective_from)
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.change_rate(uow.conn, facility, body, bounds, today)
        uow.publish(events)
    return snapshot


@router.post("/{facility}/reviews", summary="Record an annual review: a fail starts rectification (整改), a second "
                                            "consecutive fail revokes", response_model=schemas.Facility)
async def review(facility: CommissionFacility, body: Review, request: Request) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.review(uow.conn, facility, body)
        uow.publish(events)
    return snapshot


@router.put("/{facility}/jurisdiction", response_model=schemas.Facility,
            summary="Put the facility in a county-level jurisdiction from a date (health commission)",
            description="An administrative merger moves a facility: its record keeps every earlier jurisdiction "
                        "with the date it held from (`jurisdictions`); each month is governed by the facility's "
                        "jurisdiction on the month's first day. The same move again changes nothing.")
async def move(facility: CommissionFacility, body: Move, request: Request, caller: Admin, today: Today) -> dict:
    placeable(caller, body.jurisdiction)
    async with unit_of_work(request) as uow:
        snapshot, events = await jurisdictions.move(uow.conn, facility, body, today)
        uow.publish(events)
    return snapshot
