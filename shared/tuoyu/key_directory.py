"""Whose key a request presents, asked of the enrollment service, which issues and revokes keys.

A facility's key or an official's (a commission or finance key scoped to a jurisdiction) is turned into a
`Principal` by billing and subsidy alike. Asked on every request, never cached and never copied from events: a key
revoked at the enrollment service is refused here from the moment its revocation commits (CONTRACT "Errors"; issue
12 found a 40–73 ms window when billing learnt revocations from the topic), and an official's cover is computed
there, now, from the jurisdictions table. Only the keyed hash crosses; such requests are few (a facility reading its
payouts, an official's desk), so the extra round trip costs little.
"""

from __future__ import annotations

import httpx

from tuoyu import auth
from tuoyu.auth import Principal
from tuoyu.errors import TuoyuError


class KeysUnavailable(TuoyuError):
    """The enrollment service could not say whose key it is: refuse for now rather than guess."""

    status = 503
    title = "Cannot check the key now"


def principal_of(answer: dict) -> Principal | None:
    """The caller an introspection answer (`/key-introspection`) describes, or None for an unknown or revoked key.

    An official's key is never platform-wide, whatever the answer's `covers`: only the keys in settings are."""
    if not answer["active"]:
        return None
    role = answer["role"]
    covers = None if role == auth.FACILITY else frozenset(answer.get("covers") or ())
    return Principal(role, facility=answer.get("facility"), jurisdiction=answer.get("jurisdiction"), covers=covers)


class KeyDirectory:
    def __init__(self, base_url: str, admin_key: str, transport: httpx.AsyncBaseTransport | None = None):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=10, transport=transport,
                                         headers={"Authorization": f"Bearer {admin_key}"})

    async def principal_of(self, key_hash: str) -> Principal | None:
        """Whose active key this is, or None (unknown or revoked)."""
        try:
            response = await self._client.post("/key-introspection", json={"key_hash": key_hash})
        except httpx.TransportError as exc:
            raise KeysUnavailable(f"the enrollment service cannot be reached to check the key ({exc}); retry") \
                from None
        if response.status_code != 200:
            raise KeysUnavailable(f"the enrollment service answered {response.status_code} when asked about the key")
        return principal_of(response.json())

    async def close(self) -> None:
        await self._client.aclose()
