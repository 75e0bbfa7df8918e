"""Jurisdiction operations: the operator adds one; the commission puts a facility in one from a date."""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import jurisdictions, snapshots
from enrollment.domain.models import Move, NewJurisdiction, NewPopulation
from enrollment.domain.rules import refuse
from enrollment.store import facilities as facilities_store, jurisdictions as store, populations
from tuoyu.envelope import Envelope
from tuoyu.errors import NotFound

Events = list[Envelope]


async def add(conn: asyncpg.Connection, new: NewJurisdiction, today: date) -> tuple[dict, bool, Events]:
    """Add the jurisdiction, or return it when the same one exists (409 when it differs)."""
    existing = await store.find(conn, new.code)
    parent_known = await store.find(conn, new.parent) is not None
    if jurisdictions.addition(new, existing, parent_known):
        if await store.add(conn, new.code, new.name, new.parent):
            record = snapshots.jurisdiction_of(new.code, new.name, new.parent)
            return record, True, [snapshots.event("JurisdictionAdded", today, new.code, jurisdiction=record)]
        existing = await store.find(conn, new.code)  # added by another request meanwhile
        jurisdictions.addition(new, existing, parent_known)
    return existing, False, []


async def enter_population(conn: asyncpg.Connection, code: str, new: NewPopulation, recorded_by: str, today: date
                           ) -> tuple[dict, bool, Events]:
    """Enter the district's residents on a date: (the entry, whether that date had none, events). The same figure
    again changes nothing; another one for the same date corrects it."""
    found = await store.find(conn, code, lock=True)
    if found is None:
        raise NotFound(f"no jurisdiction {code!r}")
    entered = await populations.entry(conn, code, new.as_of)
    if not jurisdictions.population(code, found, new.as_of, new.residents, entered and entered["residents"], today):
        return snapshots.population_of(**entered), False, []
    await populations.record(conn, code, new.as_of, new.residents, recorded_by)
    record = snapshots.population_of(code, new.as_of, new.residents, recorded_by)
    return record, entered is None, [snapshots.event("PopulationRecorded", today, code, population=record)]


async def register_in(conn: asyncpg.Connection, fid: int, code: str) -> None:
    """Put a facility being registered in its jurisdiction, from the first day (`REGISTERED_FROM`)."""
    refuse(jurisdictions.placement_problem(code, await store.find(conn, code)))
    await store.place(conn, fid, jurisdictions.REGISTERED_FROM, code, bump=False)


async def move(conn: asyncpg.Connection, external_id: str, move_: Move, today: date) -> tuple[dict, Events]:
    """Put the facility in another jurisdiction from a date (its history keeps where it was before)."""
    fid = await facilities_store.facility_id(conn, external_id, lock=True)
    found = await store.find(conn, move_.jurisdiction)
    there_then = await store.placed_from(conn, fid, move_.from_)
    if not jurisdictions.move(move_.jurisdiction, found, move_.from_, there_then, today):
        return await facilities_store.snapshot(conn, fid), []
    await store.place(conn, fid, move_.from_, move_.jurisdiction)
    snapshot = await facilities_store.snapshot(conn, fid)
    return snapshot, [snapshots.event("FacilityMoved", move_.from_, external_id, facility=snapshot)]
