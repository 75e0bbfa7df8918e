"""A facility's roster: classes, families, children, enrollments, withdrawals, fee changes, corrections, lists.

A facility key reaches only its own facility's paths (another facility's are 404); the admin key reaches all.
Every write locks the facility's row, so capacity and overlap checks never race each other or an import: exclusively,
except enrollments, which lock only their class and child besides (see `store.enrollments.attempt`). Each write
is a handler (`handlers.roster`) in a unit of work; the day comes from `Today`, the service's one clock.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Awaitable, Callable, Literal

import asyncpg
from fastapi import APIRouter, Query, Request, Response

from enrollment.api import schemas
from enrollment.api.deps import OwnFacility, Today, pepper, unit_of_work
from enrollment.api.facilities import Cursor, Limit
from enrollment.domain import views
from enrollment.handlers import roster
from enrollment.store import views as lists
from enrollment.store.facilities import facility_id
from enrollment.store.records import existing_id
from enrollment.domain.models import (ChildCorrection, ClassChange, FeeChange, NewChild, NewClass, NewEnrollment,
                                      NewFamily, Withdrawal)
from tuoyu.months import month_query

router = APIRouter(prefix="/facilities/{facility}", tags=["roster"])

Month = month_query("e.g. 2022-09: enrolled (open) on any day of that month")
AsOf = Annotated[date | None, Query(description="the day `status` is judged on (default: the month's last day, "
                                                "else today)")]
CREATED = {200: {"description": "the same record existed already (same content)"},
           409: {"description": "the external_id exists with other content"}}


def _status(response: Response, created: bool) -> None:
    response.status_code = 201 if created else 200


async def _create(request: Request, response: Response, facility: str, table: str, external_id: str,
                  create: Callable[[asyncpg.Connection, int], Awaitable[tuple[dict, bool, list]]],
                  view: Callable[[asyncpg.Connection, int], Awaitable[dict]]) -> dict:
    """Create a record under the facility's lock (or find the same one again: 200) and answer with its view."""
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        _, created, events = await create(uow.conn, fid)
        uow.publish(events)
        answer = await view(uow.conn, await existing_id(uow.conn, table, fid, external_id))
    _status(response, created)
    return answer


# --- classes -------------------------------------------------------------------------------------------------------

@router.post("/classes", status_code=201, summary="Open a class", response_model=schemas.Klass, responses=CREATED)
async def open_class(facility: OwnFacility, body: NewClass, request: Request, response: Response, today: Today
                     ) -> dict:
    return await _create(request, response, facility, "classes", body.external_id,
                         lambda conn, fid: roster.open_class(conn, fid, facility, body),
                         lambda conn, class_id: lists.klass(conn, class_id, today))


@router.get("/classes", summary="Classes, filtered and paginated", response_model=schemas.Page[schemas.Klass])
async def list_classes(facility: OwnFacility, request: Request, today: Today, month: Month = None,
                       status: Literal["planned", "open", "closed"] | None = None, as_of: AsOf = None,
                       limit: Limit = 100, cursor: Cursor = None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await lists.classes(conn, await facility_id(conn, facility), month=month, status_=status, as_of=as_of,
                                   today=today, limit=limit, cursor=cursor)


@router.get("/classes/{klass}", summary="A class, with the children enrolled on a day", response_model=schemas.Klass)
async def get_class(facility: OwnFacility, klass: str, request: Request, today: Today, as_of: AsOf = None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        fid = await facility_id(conn, facility)
        return await lists.klass(conn, await existing_id(conn, "classes", fid, klass), as_of or today)


@router.patch("/classes/{klass}", summary="Close a class, rename it or change its capacity",
              response_model=schemas.Klass)
async def change_class(facility: OwnFacility, klass: str, body: ClassChange, request: Request, today: Today) -> dict:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        _, events = await roster.change_class(uow.conn, fid, facility, klass, body, today)
        uow.publish(events)
        return await lists.klass(uow.conn, await existing_id(uow.conn, "classes", fid, klass), today)


# --- families ------------------------------------------------------------------------------------------------------

@router.post("/families", status_code=201, summary="Register a family", response_model=schemas.Family,
             responses=CREATED,
             description="A guardian's national ID (身份证号), if given, is checked as a child's is and accepted only "
                         "from a filed facility; it is kept only as a keyed hash and never shown. Families with the "
                         "same guardian's ID, at any facility, are one household for `enrolled_siblings`.")
async def register_family(facility: OwnFacility, body: NewFamily, request: Request, response: Response,
                          today: Today) -> dict:
    return await _create(request, response, facility, "families", body.external_id,
                         lambda conn, fid: roster.register_family(conn, fid, facility, body, pepper(request), today),
                         lists.family)


@router.get("/families", summary="Families, paginated", response_model=schemas.Page[schemas.Family])
async def list_families(facility: OwnFacility, request: Request, limit: Limit = 100, cursor: Cursor = None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await lists.families(conn, await facility_id(conn, facility), limit=limit, cursor=cursor)


@router.get("/families/{family}", summary="A family and its children", response_model=schemas.Family)
async def get_family(facility: OwnFacility, family: str, request: Request) -> dict:
    async with request.app.state.pool.acquire() as conn:
        fid = await facility_id(conn, facility)
        return await lists.family(conn, await existing_id(conn, "families", fid, family))


# --- children ------------------------------------------------------------------------------------------------------

@router.post("/children", status_code=201, summary="Register a child of a family", response_model=schemas.Child,
             responses=CREATED,
             description="The national ID (身份证号), if given, must carry a valid GB 11643 check character and the "
                         "child's birth date, and is accepted only from a filed facility; it is kept only as a "
                         "keyed hash. Whether another facility holds it is told to no facility.")
async def register_child(facility: OwnFacility, body: NewChild, request: Request, response: Response,
                         today: Today) -> dict:
    return await _create(request, response, facility, "children", body.external_id,
                         lambda conn, fid: roster.register_child(conn, fid, facility, body, pepper(request), today),
                         lists.child)


@router.get("/children", summary="Children, filtered and paginated", response_model=schemas.Page[schemas.Child])
async def list_children(facility: OwnFacility, request: Request, family: str | None = None,
                        class_: Annotated[str | None, Query(alias="class")] = None, month: Month = None,
                        limit: Limit = 100, cursor: Cursor = None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await lists.children(conn, await facility_id(conn, facility), family=family, class_=class_,
                                    month=month, limit=limit, cursor=cursor)


@router.get("/children/{child}", summary="A child", response_model=schemas.Child)
async def get_child(facility: OwnFacility, child: str, request: Request) -> dict:
    async with request.app.state.pool.acquire() as conn:
        fid = await facility_id(conn, facility)
        return await lists.child(conn, await existing_id(conn, "children", fid, child))


@router.patch("/children/{child}", summary="Correct a child's birth order or birth date (a ChildCorrected event)",
              response_model=schemas.Child)
async def correct_child(facility: OwnFacility, child: str, body: ChildCorrection, request: Request, today: Today
                        ) -> dict:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        _, events = await roster.correct_child(uow.conn, fid, facility, child, body, today)
        uow.publish(events)
        return await lists.child(uow.conn, await existing_id(uow.conn, "children", fid, child))


# --- enrollments ---------------------------------------------------------------------------------------------------

@router.post("/enrollments", status_code=201, summary="Enroll a child in a class", response_model=schemas.Enrollment,
             responses=CREATED)
async def enroll(facility: OwnFacility, body: NewEnrollment, request: Request, response: Response, today: Today
                 ) -> dict:
    async with unit_of_work(request) as uow:
        snapshot, created = await roster.enroll(uow.conn, facility, body, today, uow.topic)
    _status(response, created)
    return views.enrollment_of_snapshot(snapshot, today)


@router.get("/enrollments", summary="Enrollments, filtered by month, status and class, paginated",
            response_model=schemas.Page[schemas.Enrollment])
async def list_enrollments(facility: OwnFacility, request: Request, today: Today, month: Month = None,
                           status: Literal["upcoming", "active", "ended"] | None = None,
                           class_: Annotated[str | None, Query(alias="class")] = None, child: str | None = None,
                           as_of: AsOf = None, limit: Limit = 100, cursor: Cursor = None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await lists.enrollments(conn, await facility_id(conn, facility), month=month, status_=status,
                                       class_=class_, child=child, as_of=as_of, today=today, limit=limit,
                                       cursor=cursor)


@router.get("/enrollments/{enrollment}", summary="An enrollment with its fees", response_model=schemas.Enrollment)
async def get_enrollment(facility: OwnFacility, enrollment: str, request: Request, today: Today,
                         as_of: AsOf = None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        fid = await facility_id(conn, facility)
        return await lists.enrollment(conn, await existing_id(conn, "enrollments", fid, enrollment), as_of or today)


@router.put("/enrollments/{enrollment}/withdrawal", summary="Withdraw a child: set the last day of care (may be past)",
            response_model=schemas.Enrollment)
async def withdraw(facility: OwnFacility, enrollment: str, body: Withdrawal, request: Request, today: Today) -> dict:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        _, events = await roster.withdraw(uow.conn, fid, facility, enrollment, body)
        uow.publish(events)
        return await lists.enrollment(uow.conn, await existing_id(uow.conn, "enrollments", fid, enrollment), today)


@router.post("/enrollments/{enrollment}/fees", summary="Change the monthly fee from a date",
             response_model=schemas.Enrollment)
async def change_fee(facility: OwnFacility, enrollment: str, body: FeeChange, request: Request, today: Today
                     ) -> dict:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        _, events = await roster.change_fee(uow.conn, fid, facility, enrollment, body, today)
        uow.publish(events)
        return await lists.enrollment(uow.conn, await existing_id(uow.conn, "enrollments", fid, enrollment), today)
