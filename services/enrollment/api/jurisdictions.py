"""Jurisdictions (行政区划): the platform operator adds them; the operator and the health commission list them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from enrollment.api import schemas
from enrollment.api.deps import Operator, OperatorOrAdmin, Today, unit_of_work
from enrollment.domain.models import NewJurisdiction
from enrollment.handlers import jurisdictions
from enrollment.store import jurisdictions as store

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
