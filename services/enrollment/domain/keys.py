"""API keys issued here: a facility's (by the health commission) and an official's (by the platform operator).

Both are kept only as a keyed hash in one table and revoked the same way; the key itself appears in exactly one
place, the response that issues it. A facility key's events carry its keyed hash (billing once recognised keys from
them); an official key's events do not: every service asks here whose a key is (`/key-introspection`).

An official key is held for a jurisdiction and acts on it and everything under it, computed when the key is used
(a district added under a city later is covered at once).
"""

from __future__ import annotations

from datetime import date, datetime

from enrollment.domain import snapshots
from tuoyu import auth
from tuoyu.envelope import Envelope
from tuoyu.hashing import keyed_hash, new_secret
from tuoyu.jurisdictions import Tree, under

KEY_PREFIX = "fac"
OFFICIAL_PREFIX = "off"
OFFICIAL_ROLES = {"commission": auth.ADMIN, "finance": auth.FINANCE}
"""An official key's role as the API names it → the role its holder acts in (`tuoyu.auth`)."""
ROLE_NAMES = {role: name for name, role in OFFICIAL_ROLES.items()}


def new_key(pepper: str, prefix: str = KEY_PREFIX) -> tuple[str, str]:
    """(a new key, its keyed hash): the hash is all that is kept."""
    key = new_secret(prefix)
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


def official(key_id: int, role: str, jurisdiction: str, label: str | None, created_at: datetime,
             revoked_at: datetime | None) -> dict:
    """An official key as listed (never the key): its role as the API names it (commission, finance)."""
    return {"role": ROLE_NAMES[role], "jurisdiction": jurisdiction,
            **listed(key_id, label, created_at, revoked_at)}


def official_event(type_: str, today: date, key_id: int, role: str, jurisdiction: str) -> Envelope:
    """`OfficialKeyIssued` or `OfficialKeyRevoked`: who was given a key for which jurisdiction, never its hash."""
    return snapshots.event(type_, today, jurisdiction, key_id=key_id, role=ROLE_NAMES[role],
                           jurisdiction=jurisdiction)


def answer(holder: dict | None, tree: Tree) -> dict:
    """Whose key it is, now (`/key-introspection`): `holder` is the active key's {role, facility, jurisdiction}
    or None; an official's `covers` is its jurisdiction and every one under it, by code."""
    if holder is None:
        return {"active": False, "role": None, "facility": None, "jurisdiction": None, "covers": None}
    code = holder["jurisdiction"]
    covers = sorted(under(code, tree)) if code is not None else None
    return {"active": True, "role": holder["role"], "facility": holder["facility"], "jurisdiction": code,
            "covers": covers}
