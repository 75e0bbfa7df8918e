"""Billing's view of enrollment events: facility names and bank accounts, families, facility API keys.

Applied through `tuoyu.inbox.Inbox`, so each event's effect commits with its id and offset. Facility snapshots
carry a `version` and only a higher one replaces what is stored, a new bank account only as a proposal for finance
to confirm (`billing.payouts.payees`); keys are recognised by their keyed hash only.
Everything else on the topic (classes, children, enrollments) is the subsidy service's business.
"""

from __future__ import annotations

import asyncpg

from billing.payouts import payees
from tuoyu.envelope import Envelope


async def apply(conn: asyncpg.Connection, event: Envelope) -> None:
    payload = event.payload
    if event.type == "ApiKeyIssued":
        await conn.execute(
            "INSERT INTO facility_keys (key_id, facility, key_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            str(payload["key_id"]), payload["facility"], payload["key_hash"])
    elif event.type == "ApiKeyRevoked":
        await conn.execute(
            "INSERT INTO facility_keys (key_id, facility, key_hash, revoked_at) VALUES ($1, $2, $3, now()) "
            "ON CONFLICT (key_id) DO UPDATE SET revoked_at = coalesce(facility_keys.revoked_at, now())",
            str(payload["key_id"]), payload["facility"], payload["key_hash"])
    if isinstance(payload.get("facility"), dict):
        f = payload["facility"]
        await payees.record_facility(conn, f["external_id"], f["name"], f.get("bank_account"), f.get("version", 1))
    if isinstance(payload.get("family"), dict):
        fam = payload["family"]
        await conn.execute(
            "INSERT INTO families (facility, external_id, name) VALUES ($1, $2, $3) ON CONFLICT (facility, external_id)"
            " DO UPDATE SET name = coalesce(excluded.name, families.name)",
            fam["facility"], fam["external_id"], fam.get("name"))
