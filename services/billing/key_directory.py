"""Whose facility key a request presents, asked of the enrollment service, which issues and revokes keys.

Asked on every facility request, never cached and never copied from events: a key revoked at the enrollment service
is refused here from the moment its revocation commits (CONTRACT "Errors"; issue 12 found a 40–73 ms window when
billing learnt revocations from the topic). Only the keyed hash crosses; facility requests to billing are few (a
facility reading its payouts, issuing family tokens), so the extra round trip costs little.
"""

from __future__ import annotations

import httpx

from tuoyu.errors import TuoyuError


class KeysUnavailable(TuoyuError):
    """The enrollment service could not say whose key it is: refuse for now rather than guess."""

    status = 503
    title = "Cannot check the key now"


class KeyDirectory:
    def __init__(self, base_url: str, admin_key: str, transport: httpx.AsyncBaseTransport | None = None):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=10, transport=transport,
                                         headers={"Authorization": f"Bearer {admin_key}"})

    async def facility_of(self, key_hash: str) -> str | None:
        """The facility whose active key this is, or None (unknown or revoked)."""
        try:
            response = await self._client.post("/key-introspection", json={"key_hash": key_hash})
        except httpx.TransportError as exc:
            raise KeysUnavailable(f"the enrollment service cannot be reached to check the key ({exc}); retry") \
                from None
        if response.status_code != 200:
            raise KeysUnavailable(f"the enrollment service answered {response.status_code} when asked about the key")
        answer = response.json()
        return answer["facility"] if answer["active"] else None

    async def close(self) -> None:
        await self._client.aclose()
