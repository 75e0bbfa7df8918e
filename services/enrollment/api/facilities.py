"""Facilities: registered, filed (备案), certified, rated and reviewed by the health commission."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from enrollment.api.deps import Admin, Caller, facility_scope, unit_of_work
from enrollment.domain import facilities, snapshots
from enrollment.domain.models import Certifications, Filing, NewFacility, RateChange, Review

router = APIRouter(prefix="/facilities", tags=["facilities"])


@router.post("", status_code=201, summary="Register a facility (health commission)")
async def register(body: NewFacility, request: Request, response: Response, _: Admin) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, created, events = await facilities.register(uow.conn, body, date.today())
        uow.publish(events)
    if not created:
        response.status_code = 200
    return snapshot


@router.get("/{facility}", summary="A facility as the subsidy rules see it")
async def get(facility: str, request: Request, caller: Caller) -> dict:
    facility_scope(caller, facility)
    async with request.app.state.pool.acquire() as conn:
        return await snapshots.facility(conn, await facilities.facility_id(conn, facility))


@router.put("/{facility}/filing", summary="File the facility (备案) and set its first subsidy rate")
async def file(facility: str, body: Filing, request: Request, _: Admin) -> dict:
    bounds = await request.app.state.rate_bounds.on(body.filed_on)
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.file(uow.conn, facility, body, bounds)
        uow.publish(events)
    return snapshot


@router.put("/{facility}/certifications", summary="Record fire-safety certification and food licence dates")
async def certify(facility: str, body: Certifications, request: Request, _: Admin) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.certify(uow.conn, facility, body)
        uow.publish(events)
    return snapshot


@router.post("/{facility}/rates", summary="Change the subsidy rate from a date")
async def change_rate(facility: str, body: RateChange, request: Request, _: Admin) -> dict:
    bounds = await request.app.state.rate_bounds.on(body.effective_from)
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.change_rate(uow.conn, facility, body, bounds)
        uow.publish(events)
    return snapshot


@router.post("/{facility}/reviews", summary="Record an annual review (a second consecutive fail revokes)")
async def review(facility: str, body: Review, request: Request, _: Admin) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, events = await facilities.review(uow.conn, facility, body)
        uow.publish(events)
    return snapshot
