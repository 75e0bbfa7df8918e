"""Issuing and revoking a facility's API keys, inside the caller's unit of work (which holds the facility's lock)."""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import keys
from enrollment.store import keys as store
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
