"""Children held under one national ID at more than one facility: what the health commission settles.

The ID's keyed hash groups the children here and never leaves the query: a group is named by its smallest child
row id, a number that says nothing about the ID and keeps pages stable while children are added.
"""

from __future__ import annotations

import json

import asyncpg

from enrollment.domain import views
from enrollment.domain.views import decode_cursor

DUPLICATES_SQL = (
    "WITH groups AS (SELECT national_id_hash, min(id) AS id FROM children WHERE national_id_hash IS NOT NULL "
    "                GROUP BY national_id_hash HAVING count(DISTINCT facility_id) > 1) "
    "SELECT g.id, (SELECT json_agg(json_build_object("
    "  'facility', f.external_id, 'child', c.external_id, 'birth_date', c.birth_date, "
    "  'enrollments', (SELECT coalesce(json_agg(json_build_object('external_id', e.external_id, 'start', e.start_on, "
    "                  'end', e.end_on) ORDER BY e.start_on, e.id), '[]'::json) FROM enrollments e "
    "                  WHERE e.child_id = c.id)) ORDER BY f.external_id, c.external_id) "
    "  FROM children c JOIN facilities f ON f.id = c.facility_id WHERE c.national_id_hash = g.national_id_hash"
    ") AS children FROM groups g WHERE g.id > $1 ORDER BY g.id LIMIT $2")


async def duplicates(conn: asyncpg.Connection, *, limit: int, cursor: str | None) -> dict:
    """A page of duplicate groups, each with its children, their facilities and their enrollments' dates."""
    rows = await conn.fetch(DUPLICATES_SQL, decode_cursor(cursor), limit + 1)
    return views.page([{"id": r["id"], "children": json.loads(r["children"])} for r in rows], limit,
                      views.duplicate_group)
