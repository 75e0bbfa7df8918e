"""Facility API keys: issued once, kept only as a keyed hash, revoked by the health commission.

The key itself appears in exactly one place, the response that issues it. Events carry the keyed hash so that
another service holding the same pepper (billing, for a facility's own payouts) can recognise the key.
"""

from __future__ import annotations

from datetime import date, datetime

from enrollment.domain import snapshots
from tuoyu.envelope import Envelope
from tuoyu.hashing import keyed_hash, new_secret

KEY_PREFIX = "fac"


def new_key(pepper: str) -> tuple[str, str]:
    """(a new key, its keyed hash): the hash is all that is kept."""
    key = new_secret(KEY_PREFIX)
    return key, keyed_hash(pepper, key)


def _event(type_: str, today: date, facility: str, key_id: int, key_hash: str) -> Envelope:
    return snapshots.event(type_, today, facility, facility=facility, key_id=key_id, key_hash=key_hash)


def issued(facility: str, key_id: int, key: str, key_hash: str, label: str | None, created_at: datetime,
           today: date) -> tuple[dict, list[Envelope]]:
    """The one response that shows the key, and its `ApiKeyIssued` event."""
    return {"facility": facility, "key_id": key_id, "api_key": key, "label": label,
            "created_at": created_at.isoformat()}, [_event("ApiKeyIssued", today, facility, key_id, key_hash)]


def revocation(facility: str, key_id: int, key_hash: str, revoked_at: datetime | None, today: date) -> list[Envelope]:
    """The `ApiKeyRevoked` event, or nothing when the key was revoked already."""
    if revoked_at is not None:
        return []
    return [_event("ApiKeyRevoked", today, facility, key_id, key_hash)]


def listed(key_id: int, label: str | None, created_at: datetime, revoked_at: datetime | None) -> dict:
    return {"key_id": key_id, "label": label, "created_at": created_at.isoformat(),
            "revoked_at": revoked_at.isoformat() if revoked_at else None}
