"""Billing's view of enrollment events: facility names and bank accounts, families, facility API keys.

Applied through `tuoyu.inbox.Inbox`, each event decoded into its shared payload model (`tuoyu.events.decoding`);
what billing reads of each is declared in `tuoyu.events.registry` (consumer "billing") and held to the producer's
models by the contract tests. Each event's effect commits with its id and offset. Facility snapshots carry a
`version` and only a higher one replaces what is stored, a new bank account only as a proposal for finance to
confirm (`billing.payouts.payees`); keys are recognised by their keyed hash only. Everything else on the topic
(classes, children, enrollments) is the subsidy service's business.
"""

from __future__ import annotations

import asyncpg

from billing.payouts import payees
from tuoyu.events.decoding import Event
from tuoyu.events.payloads import ApiKey, FacilitySnapshot, FamilySnapshot


async def apply(conn: asyncpg.Connection, event: Event) -> None:
    match event.payload:
        case ApiKey(facility=facility, key_id=key_id, key_hash=key_hash) if event.type == "ApiKeyIssued":
            await conn.execute(
                "INSERT INTO facility_keys (key_id, facility, key_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                str(key_id), facility, key_hash)
        case ApiKey(facility=facility, key_id=key_id, key_hash=key_hash):
            await conn.execute(
                "INSERT INTO facility_keys (key_id, facility, key_hash, revoked_at) VALUES ($1, $2, $3, now()) "
                "ON CONFLICT (key_id) DO UPDATE SET revoked_at = coalesce(facility_keys.revoked_at, now())",
                str(key_id), facility, key_hash)
        case FacilitySnapshot(facility=f):
            await payees.record_facility(conn, f.external_id, f.name, f.bank_account, f.version)
        case FamilySnapshot(family=family):
            await conn.execute("INSERT INTO families (facility, external_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                               family.facility, family.external_id)
