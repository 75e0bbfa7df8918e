"""Rule sets loaded through the admin API, kept as their documents; the one in force on a day is chosen here."""

from __future__ import annotations

from datetime import date

import asyncpg

from subsidy.rules.catalog import in_force as pick_in_force
from subsidy.rules.ruleset import RuleSet, RuleSetInvalid, load_ruleset
from tuoyu.errors import Conflict, InvalidInput, NotFound


async def load(conn: asyncpg.Connection, document: str) -> tuple[RuleSet, bool]:
    """Validate and store a document; the same (id, version) again is accepted only with the same text."""
    try:
        ruleset = load_ruleset(document)
    except RuleSetInvalid as exc:
        raise InvalidInput([{"field": e["path"] or "document", "reason": e["reason"]} for e in exc.errors]) from None
    stored = await conn.fetchval(
        "INSERT INTO rulesets (id, version, valid_from, document) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (id, version) DO NOTHING RETURNING true", ruleset.id, ruleset.version, ruleset.valid_from,
        document)
    if not stored:
        existing = await conn.fetchval("SELECT document FROM rulesets WHERE id = $1 AND version = $2",
                                       ruleset.id, ruleset.version)
        if load_ruleset(existing) != ruleset:
            raise Conflict(f"rule set {ruleset.id} version {ruleset.version} is already loaded with other content; "
                           "load a new version instead")
    return ruleset, bool(stored)


async def all_loaded(conn: asyncpg.Connection) -> list[RuleSet]:
    return [load_ruleset(r["document"]) for r in await conn.fetch("SELECT document FROM rulesets ORDER BY loaded_at")]


async def in_force(conn: asyncpg.Connection, day: date) -> RuleSet:
    """The rule set in force on `day`: of the loaded documents, the latest `valid_from` on or before it."""
    loaded = await all_loaded(conn)
    latest = max((r for r in loaded if r.valid_from <= day), key=lambda r: r.valid_from, default=None)
    if latest is None:
        raise NotFound(f"no rule set is in force on {day}: load one with POST /rulesets")
    return pick_in_force(loaded, latest.id, day)
