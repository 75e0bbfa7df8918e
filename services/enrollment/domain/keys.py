"""Facility API keys: issued once, kept only as a keyed hash, revoked by the health commission.

The key itself appears in exactly one place, the response that issues it. Events carry the keyed hash so that
another service holding the same pepper (billing, for a facility's own payouts) can recognise the key.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import snapshots
from tuoyu.envelope import Envelope
from tuoyu.errors import NotFound
from tuoyu.hashing import keyed_hash, new_secret

KEY_PREFIX = "fac"


def _payload(facility: str, key_id: int, key_hash: str) -> dict:
    return {"facility": facility, "key_id": key_id, "key_hash": key_hash}


async def issue(conn: asyncpg.Connection, fid: int, facility: str, pepper: str, today: date,
                label: str | None = None) -> tuple[dict, list[Envelope]]:
    """A new key for the facility: returns the one response that shows it, and its `ApiKeyIssued` event."""
    key = new_secret(KEY_PREFIX)
    key_hash = keyed_hash(pepper, key)
    row = await conn.fetchrow(
        "INSERT INTO api_keys (key_hash, facility_id, label) VALUES ($1, $2, $3) RETURNING id, created_at",
        key_hash, fid, label)
    event = snapshots.event("ApiKeyIssued", today, facility, **_payload(facility, row["id"], key_hash))
    return {"facility": facility, "key_id": row["id"], "api_key": key, "label": label,
            "created_at": row["created_at"].isoformat()}, [event]


async def revoke(conn: asyncpg.Connection, fid: int, facility: str, key_id: int, today: date) -> list[Envelope]:
    """Revoke a key of this facility; revoking it again does nothing."""
    row = await conn.fetchrow(
        "SELECT key_hash, revoked_at FROM api_keys WHERE id = $1 AND facility_id = $2 FOR UPDATE", key_id, fid)
    if row is None:
        raise NotFound(f"facility {facility!r} has no key {key_id}")
    if row["revoked_at"] is not None:
        return []
    await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", key_id)
    return [snapshots.event("ApiKeyRevoked", today, facility, **_payload(facility, key_id, row["key_hash"]))]


async def listed(conn: asyncpg.Connection, fid: int) -> list[dict]:
    rows = await conn.fetch(
        "SELECT id, label, created_at, revoked_at FROM api_keys WHERE facility_id = $1 ORDER BY id", fid)
    return [{"key_id": r["id"], "label": r["label"], "created_at": r["created_at"].isoformat(),
             "revoked_at": r["revoked_at"].isoformat() if r["revoked_at"] else None} for r in rows]
