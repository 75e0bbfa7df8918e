"""Facility API keys, issued and revoked by the health commission; stored only as keyed hashes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from enrollment.api import schemas
from enrollment.api.deps import Admin, Today, pepper, unit_of_work
from enrollment.handlers import keys
from enrollment.store import keys as store
from enrollment.store.facilities import facility_id
from enrollment.domain.models import NewKey

router = APIRouter(prefix="/facilities/{facility}/keys", tags=["keys"])
introspection = APIRouter(tags=["keys"])


class KeyQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_hash: str = Field(..., min_length=1, max_length=128, description="the key's keyed hash (the shared pepper)")


@introspection.post("/key-introspection", response_model=schemas.KeyAnswer,
                    summary="Whose key is this, now: other services ask on every request (RFC 7662's idea)")
async def introspect(body: KeyQuestion, request: Request, _: Admin) -> dict:
    """The answer is read from the table a revocation writes, so a key revoked here is refused everywhere from the
    moment its revocation commits: no event has to arrive first."""
    facility = await store.facility_of(request.app.state.pool, body.key_hash)
    return {"active": facility is not None, "facility": facility}


@router.post("", status_code=201, response_model=schemas.IssuedKey,
             summary="Issue a key for the facility: the key is in this response and nowhere else")
async def issue(facility: str, request: Request, _: Admin, today: Today, body: NewKey | None = None) -> dict:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        issued, events = await keys.issue(uow.conn, fid, facility, pepper(request), today,
                                          body.label if body else None)
        uow.publish(events)
    return issued


@router.get("", response_model=list[schemas.KeyInfo], summary="The facility's keys (never the keys themselves)")
async def listed(facility: str, request: Request, _: Admin) -> list[dict]:
    async with request.app.state.pool.acquire() as conn:
        return await store.listed(conn, await facility_id(conn, facility))


@router.delete("/{key_id}", status_code=204, summary="Revoke a key (revoking it again does nothing)")
async def revoke(facility: str, key_id: Annotated[int, Path(ge=1, le=2**63 - 1)], request: Request,
                 _: Admin, today: Today) -> Response:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        uow.publish(await keys.revoke(uow.conn, fid, facility, key_id, today))
    return Response(status_code=204)
