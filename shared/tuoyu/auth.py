"""API-key authentication: who is calling, as a `Principal`.

Keys arrive as `Authorization: Bearer <key>` (or `X-API-Key`). The admin (health commission), finance and platform
operator keys come from settings; facility keys and family tokens are looked up by their keyed hash by the owning
service.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Awaitable, Callable

from fastapi import Request

from tuoyu.errors import NotFound, Unauthorized
from tuoyu.hashing import keyed_hash
from tuoyu.settings import CommonSettings

ADMIN, FINANCE, FACILITY, FAMILY = "admin", "finance", "facility", "family"
OPERATOR = "operator"  # the platform operator: creates jurisdictions (POLICY "Jurisdictions")


@dataclass(frozen=True)
class Principal:
    role: str
    facility: str | None = None  # the facility's external_id, for facility keys and family tokens
    family: str | None = None
    # An official's scope (POLICY "Jurisdictions"): the code the key was issued for and every code under it, at the
    # time of the request. None: the whole platform (the keys from settings), which alone sees unplaced facilities.
    jurisdiction: str | None = None
    covers: frozenset[str] | None = None

    @property
    def platform_wide(self) -> bool:
        return self.covers is None

    def may_act_in(self, code: str | None) -> bool:
        """Whether the caller's scope holds jurisdiction `code` (None or `UNPLACED`: a facility in none)."""
        return self.covers is None or (code is not None and code in self.covers)

    def scope(self) -> list[str] | None:
        """The codes a query is limited to (`= ANY($n)`), or None for no limit."""
        return None if self.covers is None else sorted(self.covers)

    def require(self, *roles: str) -> "Principal":
        if self.role not in roles:
            # Not the caller's business whether the record exists.
            raise NotFound("no such resource for this key")
        return self

    def may_see_facility(self, facility: str) -> bool:
        return self.role in (ADMIN, FINANCE) or self.facility == facility


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


LookupKey = Callable[[str], Awaitable[Principal | None]]


def _settings_keys(settings: CommonSettings):
    return ((ADMIN, settings.admin_key), (FINANCE, settings.finance_key), (OPERATOR, settings.operator_key))


def settings_holder(settings: CommonSettings, pepper: str, key_hash: str) -> Principal | None:
    """The platform-wide caller whose key in settings has this keyed hash (a desk's session keeps only the hash)."""
    for role, secret in _settings_keys(settings):
        if same(keyed_hash(pepper, secret.get_secret_value()), key_hash):
            return Principal(role)
    return None


async def authenticate(request: Request, settings: CommonSettings, lookup: LookupKey | None = None) -> Principal:
    """The caller: one of the keys in settings, else whoever `lookup` says the key belongs to (401 if nobody)."""
    key = presented_key(request)
    if not key:
        raise Unauthorized("an API key is required: send 'Authorization: Bearer <key>'")
    for role, secret in _settings_keys(settings):
        if same(key, secret.get_secret_value()):
            return Principal(role)
    principal = await lookup(key) if lookup else None
    if principal is None:
        raise Unauthorized("the API key is not valid (unknown or revoked)")
    return principal
