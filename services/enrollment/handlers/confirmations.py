"""The health commission confirms classes (POLICY "Guard rails"): one at a time, or a desk's list all or nothing.

Each runs inside the caller's unit of work, holding the class's facility row (as every write of a facility's records
does), records the date and returns a `ClassConfirmed` event carrying the class's snapshot: the subsidy service pays
a class's construction grant only from its confirmation on.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import classes, snapshots
from enrollment.domain.classes import Confirmation
from enrollment.store import classes as store
from enrollment.store.facilities import facility_id
from enrollment.store.records import existing_id
from tuoyu.envelope import Envelope

Events = list[Envelope]


async def _record(conn: asyncpg.Connection, facility: str, class_id: int, confirmed_on: date) -> Envelope:
    await store.confirm(conn, class_id, confirmed_on)
    snapshot = await store.snapshot(conn, class_id)
    return snapshots.event("ClassConfirmed", confirmed_on, facility, **{"class": snapshot})


async def confirm_class(conn: asyncpg.Connection, facility: str, klass: str, confirmed_on: date) -> Events:
    """Confirm one class (404 for an unknown facility or class, 409 for another date than the one recorded)."""
    class_id = await existing_id(conn, "classes", await facility_id(conn, facility, lock=True), klass)
    recorded = (await store.snapshot(conn, class_id))["confirmed_on"]
    if not classes.confirming(klass, recorded and date.fromisoformat(recorded), confirmed_on):
        return []
    return [await _record(conn, facility, class_id, confirmed_on)]


async def confirm_classes(conn: asyncpg.Connection, wanted: list[Confirmation], among: set[str] | None = None
                          ) -> tuple[int, Events]:
    """Confirm every class of the list or none (422 naming each problem by its index); how many were new. A facility
    not `among` those given (a scoped key's) is as unknown as one that does not exist."""
    facilities, found = await store.for_confirmation(conn, [(c.facility, c.klass) for c in wanted])
    if among is not None:
        facilities &= among
    record = classes.confirmations(wanted, facilities, {key: day for key, (_, day) in found.items()})
    events = [await _record(conn, wanted[i].facility, found[(wanted[i].facility, wanted[i].klass)][0],
                            wanted[i].confirmed_on) for i in record]
    return len(record), events
