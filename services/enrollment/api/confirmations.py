"""The health commission confirms classes (POLICY "Guard rails"): a class earns its construction grant only once
confirmed. One class by its path, or the commission desk's list at once; a facility's key cannot confirm (404)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request

from enrollment.api import schemas
from enrollment.api.deps import Admin, CommissionFacility, Today, in_scope, unit_of_work
from enrollment.domain.classes import Confirmation
from enrollment.domain.models import ClassConfirmation, ClassConfirmations
from enrollment.handlers import confirmations
from enrollment.store import views as lists
from enrollment.store.facilities import facility_id
from enrollment.store.records import existing_id

router = APIRouter(tags=["classes"])


@router.put("/facilities/{facility}/classes/{klass}/confirmation", response_model=schemas.Klass,
            summary="Confirm a class from a date (health commission); the same date again changes nothing",
            responses={409: {"description": "the class was confirmed on another date: a confirmation is recorded "
                                            "once"}})
async def confirm(facility: CommissionFacility, klass: str, body: ClassConfirmation, request: Request, today: Today
                  ) -> dict:
    return await confirm_one(request, facility, klass, body.confirmed_on, today)


async def confirm_one(request: Request, facility: str, klass: str, confirmed_on: date, today: date) -> dict:
    """Confirm a class of a facility the caller acts for (the API's route and the commission's desk): the class as
    it is now, its `ClassConfirmed` event in the outbox in the same transaction."""
    async with unit_of_work(request) as uow:
        uow.publish(await confirmations.confirm_class(uow.conn, facility, klass, confirmed_on))
        class_id = await existing_id(uow.conn, "classes", await facility_id(uow.conn, facility), klass)
        return await lists.klass(uow.conn, class_id, today)


@router.post("/class-confirmations", response_model=schemas.ConfirmationsDone,
             summary="Confirm a list of classes (health commission), all or none",
             description="Any problem refuses the whole list (422), each named by its index: "
                         "`confirmations[3].class`. A class already confirmed on the same date is left as it is; "
                         "on another date it is a problem. A key scoped to a jurisdiction confirms "
                         "classes of facilities in it.")
async def confirm_many(body: ClassConfirmations, request: Request, caller: Admin) -> dict:
    wanted = [Confirmation(c.facility, c.class_, c.confirmed_on) for c in body.confirmations]
    among = await in_scope(request, caller)
    async with unit_of_work(request) as uow:
        confirmed, events = await confirmations.confirm_classes(uow.conn, wanted, among)
        uow.publish(events)
    return {"confirmed": confirmed, "unchanged": len(wanted) - confirmed}
