"""Billing's view of enrollment events: facility names, bank accounts and jurisdictions, families, and the tree of
jurisdictions as added (code, name, parent: a city's cycles, reports and keys reach its districts).

Applied through `tuoyu.inbox.Inbox`, each event decoded into its shared payload model (`tuoyu.events.decoding`);
what billing reads of each is declared in `tuoyu.events.registry` (consumer "billing") and held to the producer's
models by the contract tests. Each event's effect commits with its id and offset. Facility snapshots carry a
`version` and only a higher one replaces what is stored, a new bank account only as a proposal for finance to
confirm (`billing.payouts.payees`). Facility keys are not copied here: `tuoyu.key_directory` asks the enrollment
service on each request. Everything else on the topic (classes, children, enrollments) is the subsidy service's.
"""

from __future__ import annotations

import asyncpg

from billing.payouts import payees
from tuoyu.events.decoding import Event
from tuoyu.events.payloads import FacilitySnapshot, FamilySnapshot, JurisdictionAdded


async def apply_batch(conn: asyncpg.Connection, events: list[Event]) -> None:
    """A fetched batch's effects, in order, except that its families are recorded in one statement: a roster
    import's thousands of `FamilyRegistered` events cost one round trip, not one each (the families table
    depends on no other event, and a family recorded twice is recorded once)."""
    families = [e.payload.family for e in events if isinstance(e.payload, FamilySnapshot)]
    if families:
        await conn.execute("INSERT INTO families (facility, external_id) "
                           "SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
                           [f.facility for f in families], [f.external_id for f in families])
    for event in events:
        await _apply(conn, event)


async def _apply(conn: asyncpg.Connection, event: Event) -> None:
    """One event's effect, but a family's (`apply_batch` records the batch's families first)."""
    match event.payload:
        case FacilitySnapshot(facility=f):
            await payees.record_facility(conn, f.external_id, f.name, f.bank_account, f.version,
                                         [(j.effective_from, j.jurisdiction) for j in f.jurisdictions])
        case JurisdictionAdded(jurisdiction=j):
            await conn.execute("INSERT INTO jurisdictions (code, name, parent) VALUES ($1, $2, $3) "
                               "ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent",
                               j.code, j.name, j.parent)
