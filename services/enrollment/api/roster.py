"""A facility's roster: classes, families, children, enrollments, withdrawals and fee changes."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from enrollment.api.deps import Caller, facility_scope, unit_of_work
from enrollment.domain import roster
from enrollment.domain.facilities import facility_id
from enrollment.domain.models import FeeChange, NewChild, NewClass, NewEnrollment, NewFamily, Withdrawal

router = APIRouter(prefix="/facilities/{facility}", tags=["roster"])


def _status(response: Response, created: bool) -> None:
    response.status_code = 201 if created else 200


@router.post("/classes", status_code=201, summary="Open a class")
async def open_class(facility: str, body: NewClass, request: Request, response: Response, caller: Caller) -> dict:
    facility_scope(caller, facility)
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        snapshot, created, events = await roster.open_class(uow.conn, fid, facility, body)
        uow.publish(events)
    _status(response, created)
    return snapshot


@router.post("/families", status_code=201, summary="Register a family")
async def register_family(facility: str, body: NewFamily, request: Request, response: Response,
                          caller: Caller) -> dict:
    facility_scope(caller, facility)
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility)
        snapshot, created, events = await roster.register_family(uow.conn, fid, facility, body, date.today())
        uow.publish(events)
    _status(response, created)
    return snapshot


@router.post("/children", status_code=201, summary="Register a child of a family")
async def register_child(facility: str, body: NewChild, request: Request, response: Response, caller: Caller) -> dict:
    facility_scope(caller, facility)
    pepper = request.app.state.settings.hash_pepper.get_secret_value()
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility)
        snapshot, created, events = await roster.register_child(uow.conn, fid, facility, body, pepper, date.today())
        uow.publish(events)
    _status(response, created)
    return snapshot


@router.post("/enrollments", status_code=201, summary="Enroll a child in a class")
async def enroll(facility: str, body: NewEnrollment, request: Request, response: Response, caller: Caller) -> dict:
    facility_scope(caller, facility)
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        snapshot, created, events = await roster.enroll(uow.conn, fid, facility, body)
        uow.publish(events)
    _status(response, created)
    return snapshot


@router.put("/enrollments/{enrollment}/withdrawal", summary="Withdraw a child: set the last day of care")
async def withdraw(facility: str, enrollment: str, body: Withdrawal, request: Request, caller: Caller) -> dict:
    facility_scope(caller, facility)
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility)
        snapshot, events = await roster.withdraw(uow.conn, fid, facility, enrollment, body)
        uow.publish(events)
    return snapshot


@router.post("/enrollments/{enrollment}/fees", summary="Change the monthly fee from a date")
async def change_fee(facility: str, enrollment: str, body: FeeChange, request: Request, caller: Caller) -> dict:
    facility_scope(caller, facility)
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility)
        snapshot, events = await roster.change_fee(uow.conn, fid, facility, enrollment, body)
        uow.publish(events)
    return snapshot
