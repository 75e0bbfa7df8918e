"""Issuing and revoking API keys inside the caller's unit of work: a facility's (the unit of work holds the
facility's lock) and an official's."""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import jurisdictions, keys
from enrollment.domain.models import NewOfficialKey
from enrollment.domain.rules import refuse
from enrollment.store import jurisdictions as jurisdictions_store, keys as store
from tuoyu.envelope import Envelope


async def issue(conn: asyncpg.Connection, fid: int, facility: str, pepper: str, today: date,
                label: str | None = None) -> tuple[dict, list[Envelope]]:
    """A new key for the facility: returns the one response that shows it, and its `ApiKeyIssued` event."""
    key, key_hash = keys.new_key(pepper)
    key_id, created_at = await store.insert(conn, fid, key_hash, label)
    return keys.issued(facility, key_id, key, key_hash, label, created_at, today)


async def revoke(conn: asyncpg.Connection, fid: int, facility: str, key_id: int, today: date) -> list[Envelope]:
    """Revoke a key of this facility; revoking it again does nothing."""
    key_hash, revoked_at = await store.locked(conn, fid, facility, key_id)
    events = keys.revocation(facility, key_id, key_hash, revoked_at, today)
    if events:
        await store.revoke(conn, key_id)
    return events


async def issue_official(conn: asyncpg.Connection, new: NewOfficialKey, pepper: str, today: date
                         ) -> tuple[dict, list[Envelope]]:
    """A new commission or finance key for a known jurisdiction: the one response that shows it, and its event."""
    refuse(jurisdictions.known_problem(new.jurisdiction, await jurisdictions_store.find(conn, new.jurisdiction)))
    role = keys.OFFICIAL_ROLES[new.role]
    key, key_hash = keys.new_key(pepper, keys.OFFICIAL_PREFIX)
    key_id, created_at = await store.insert_official(conn, key_hash, role, new.jurisdiction, new.label)
    shown = {**keys.official(key_id, role, new.jurisdiction, new.label, created_at, None), "api_key": key}
    return shown, [keys.official_event("OfficialKeyIssued", today, key_id, role, new.jurisdiction)]


async def revoke_official(conn: asyncpg.Connection, key_id: int, today: date) -> list[Envelope]:
    """Revoke an official key; revoking it again does nothing."""
    role, jurisdiction, revoked_at = await store.locked_official(conn, key_id)
    if revoked_at is not None:
        return []
    await store.revoke(conn, key_id)
    return [keys.official_event("OfficialKeyRevoked", today, key_id, role, jurisdiction)]
