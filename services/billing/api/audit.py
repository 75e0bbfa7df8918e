"""The finance audit trail: every cycle run, budget change, approval, bank file, confirmation and token.

A scoped key (an official of a jurisdiction) reads the entries that name a jurisdiction in its scope (a cycle's);
the platform's entries are for platform-wide keys."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request

from billing.api.deps import Oversight

router = APIRouter(tags=["audit"])


@router.get("/audit", summary="Finance actions, newest first")
async def audit_trail(request: Request, caller: Oversight, action: str | None = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    rows = await request.app.state.pool.fetch(
        "SELECT id, at, actor, action, detail FROM audit_trail WHERE ($1::text IS NULL OR action = $1) "
        "AND ($3::text[] IS NULL OR detail->>'jurisdiction' = ANY($3)) ORDER BY id DESC LIMIT $2",
        action, limit, caller.scope())
    return [{"id": r["id"], "at": r["at"].isoformat(), "actor": r["actor"], "action": r["action"],
             "detail": json.loads(r["detail"])} for r in rows]
