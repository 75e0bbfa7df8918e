"""Operator views: how much of the outbox is still unpublished."""

from fastapi import APIRouter, Request

from enrollment.api.deps import PlatformAdmin
from tuoyu import outbox

router = APIRouter(prefix="/outbox", tags=["operations"])


@router.get("", summary="Events recorded but not yet published to Kafka")
async def pending(request: Request, _: PlatformAdmin) -> dict:
    return {"pending": await outbox.pending_count(request.app.state.pool)}
