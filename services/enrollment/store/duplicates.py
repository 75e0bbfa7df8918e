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
    "WITH seen AS (SELECT c.* FROM children c JOIN facilities f ON f.id = c.facility_id "
    "              WHERE $3::text[] IS NULL OR f.external_id = ANY($3)), "
    "groups AS (SELECT national_id_hash, min(id) AS id FROM seen WHERE national_id_hash IS NOT NULL "
    "           GROUP BY national_id_hash HAVING count(DISTINCT facility_id) > 1) "
    "SELECT g.id, (SELECT json_agg(json_build_object("
    "  'facility', f.external_id, 'child', c.external_id, 'birth_date', c.birth_date, "
    "  'enrollments', (SELECT coalesce(json_agg(json_build_object('external_id', e.external_id, 'start', e.start_on, "
    "                  'end', e.end_on) ORDER BY e.start_on, e.id), '[]'::json) FROM enrollments e "
    "                  WHERE e.child_id = c.id)) ORDER BY f.external_id, c.external_id) "
    "  FROM seen c JOIN facilities f ON f.id = c.facility_id WHERE c.national_id_hash = g.national_id_hash"
    ") AS children FROM groups g WHERE g.id > $1 ORDER BY g.id LIMIT $2")


async def duplicates(conn: asyncpg.Connection, *, limit: int, cursor: str | None, among: set[str] | None = None
                     ) -> dict:
    """A page of duplicate groups, each with its children, their facilities and their enrollments' dates; with
    `among` (a scoped key's facilities), only the children there, in groups that span two of them or more."""
    rows = await conn.fetch(DUPLICATES_SQL, decode_cursor(cursor), limit + 1,
                            sorted(among) if among is not None else None)
    return views.page([{"id": r["id"], "children": json.loads(r["children"])} for r in rows], limit,
                      views.duplicate_group)
