"""The health commission's view of national IDs held at more than one facility (no facility is told)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from enrollment.api import schemas
from enrollment.api.deps import Admin, in_scope
from enrollment.api.facilities import Cursor, Limit
from enrollment.store.duplicates import duplicates

router = APIRouter(tags=["facilities"])


@router.get("/national-id-duplicates", response_model=schemas.Page[schemas.DuplicateGroup],
            summary="Children registered with one national ID at more than one facility (health commission)",
            description="Each group is one national ID, shown as a number (never the ID or its hash): its children, "
                        "their facilities, birth dates and enrollments' dates. A key scoped to a jurisdiction "
                        "sees the children at facilities in it.")
async def national_id_duplicates(request: Request, caller: Admin, limit: Limit = 100, cursor: Cursor = None
                                 ) -> dict:
    among = await in_scope(request, caller)
    async with request.app.state.pool.acquire() as conn:
        return await duplicates(conn, limit=limit, cursor=cursor, among=among)
