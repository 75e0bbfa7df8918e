"""Rule sets loaded through the admin API, kept as their documents; the one in force in a jurisdiction on a day is
chosen from them by `rules.catalog.in_force_for`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

import asyncpg

from subsidy import jurisdiction_store
from subsidy.rules.catalog import in_force_for
from subsidy.rules.ruleset import RuleSet, RuleSetInvalid, load_ruleset
from tuoyu.errors import Conflict, InvalidInput
from tuoyu.jurisdictions import UNPLACED


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


@dataclass(frozen=True)
class InForce:
    """The rule set in force in a jurisdiction on a day, or None and why nothing is subsidised there."""

    jurisdiction: str
    ruleset: RuleSet | None
    unsubsidised: str | None


async def in_force(conn: asyncpg.Connection, jurisdiction: str, day: date) -> InForce:
    """The rule set in force in `jurisdiction` on `day` (POLICY "Jurisdictions")."""
    return (await in_force_each(conn, [jurisdiction], day))[jurisdiction]


async def in_force_each(conn: asyncpg.Connection, jurisdictions: Iterable[str], day: date) -> dict[str, InForce]:
    """`in_force` of each jurisdiction, the documents read once."""
    known = await jurisdiction_store.known(conn)
    loaded = await all_loaded(conn)
    answers = {}
    for code in jurisdictions:
        ruleset = in_force_for(code, day, known.tree, loaded)
        where = " is in force" if code == UNPLACED else f" covers {known.label(code)}"
        answers[code] = InForce(code, ruleset, None if ruleset else f"no rule set{where} on {day}")
    return answers
