"""Keyed hashes for secrets we must recognise but never keep: API keys, family tokens, national ID numbers."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def keyed_hash(pepper: str, value: str) -> str:
    return hmac.new(pepper.encode(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def new_secret(prefix: str) -> str:
    """A random key such as 'fac_3kq…', shown once to its holder."""
    return f"{prefix}_{secrets.token_urlsafe(24)}"
