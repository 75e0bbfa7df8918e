"""What every service app has: problem+json errors, metrics, `/health`, `/ready`, background tasks."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tuoyu import errors, metrics

log = logging.getLogger(__name__)


def build_app(title: str, lifespan, description: str) -> FastAPI:
    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.ready = False
    app.state.tasks = []
    errors.install(app)
    metrics.install(app)

    @app.get("/health", tags=["operations"], summary="The process is alive")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], summary="Database connected and background work running")
    async def ready():
        dead = [t.get_name() for t in app.state.tasks if t.done()]
        if not app.state.ready or dead:
            return JSONResponse({"status": "starting" if not dead else f"stopped: {', '.join(dead)}"},
                                status_code=503)
        return {"status": "ready"}

    return app


def start_background(app: FastAPI, name: str, work: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(work(), name=name)
    task.add_done_callback(lambda t: t.cancelled() or t.exception() and log.error("%s stopped: %r", name,
                                                                                   t.exception()))
    app.state.tasks.append(task)


async def stop_background(app: FastAPI) -> None:
    for task in app.state.tasks:
        task.cancel()
    await asyncio.gather(*app.state.tasks, return_exceptions=True)
