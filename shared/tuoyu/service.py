"""What every service app has: its database migrated and pooled, its topics, its outbox relay or inbox consumer,
problem+json errors, metrics, `/health`, `/ready`, background tasks. A service's `app.py` says only what is its own.

Nothing connects when an app is built; the lifespan does, in this order: migrations (the shared package's inbox or
outbox tables first), the pool, the service's clients, the topics, the background tasks; then `/ready` answers 200.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from tuoyu import db, errors, inbox, kafka, logs, metrics, outbox
from tuoyu.body_limit import BodyLimit
from tuoyu.desk import web as desk_web
from tuoyu.desk.web import DeskSite
from tuoyu.envelope import Envelope
from tuoyu.inbox import BatchHandler, Handler, Inbox
from tuoyu.outbox import OutboxRelay
from tuoyu.settings import CommonSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publishes:
    """A topic the service writes through its outbox; `relay`: publish the outbox from this process (tests may run
    the relay apart, to crash it)."""

    topic: str
    relay: bool = True


@dataclass(frozen=True)
class Consumes:
    """A topic the service applies to its own database through an `Inbox` named `<topic prefix>.<group>`; `run`:
    consume in this process. Give `handler` or `batch_handler`, as `Inbox` takes them."""

    topic: str
    group: str
    handler: Handler | None = None
    batch_handler: BatchHandler | None = None
    decode: Callable[[bytes], Any] = Envelope.from_bytes
    run: bool = True


def create_service(settings: CommonSettings, *, title: str, description: str, database: str, migrations: Path,
                   routers: Sequence[APIRouter], pool_size: int = 10, publishes: Publishes | None = None,
                   consumes: Consumes | None = None, clients: Callable[[], dict[str, Any]] = dict,
                   large_bodies: Sequence[tuple[str, int]] = (), desk: DeskSite | None = None,
                   hot_paths: Sequence[type] = ()) -> FastAPI:
    """The service's app: `database` is its name on the server, `migrations` the service's own folder.

    Request bodies are limited to `tuoyu.body_limit.DEFAULT_LIMIT` but on the routes `large_bodies` names
    ((path regex, bytes) pairs: file uploads).
    `clients` makes what the service calls (each with an async `close`), set on `app.state` by name at start-up and
    closed at shutdown. `app.state` holds `settings`, `pool` and `inbox` (None unless this process consumes).
    `desk`: the officials' pages the service serves (`tuoyu.desk.web`): their session table and sign-in routes.
    `hot_paths`: ASGI middleware classes (taking the app as `fastapi`) that serve a busy route's ordinary requests
    themselves, inside the body limit and the request timing (enrollment's `api.hot_path`).
    """
    shared_migrations = [folder for folder, used in ((inbox.MIGRATIONS, consumes), (outbox.MIGRATIONS, publishes))
                         if used is not None] + ([desk_web.MIGRATIONS] if desk is not None else [])
    topics = [settings.topic(t.topic) for t in (publishes, consumes) if t is not None]

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        logs.configure(settings.log_level)
        dsn = settings.dsn(database)
        await db.migrate(dsn, *shared_migrations, migrations)
        app.state.pool = await db.create_pool(dsn, max_size=pool_size)
        made = clients()
        for name, client in made.items():
            setattr(app.state, name, client)
        await kafka.ensure_topics(settings.kafka_bootstrap, topics)
        if publishes is not None and publishes.relay:
            _start_background(app, "outbox-relay", OutboxRelay(app.state.pool, settings.kafka_bootstrap).run)
        if consumes is not None and consumes.run:
            app.state.inbox = Inbox(app.state.pool, settings.kafka_bootstrap, [settings.topic(consumes.topic)],
                                    f"{settings.topic_prefix}.{consumes.group}", consumes.handler,
                                    batch_handler=consumes.batch_handler, decode=consumes.decode)
            _start_background(app, f"{consumes.topic}-consumer", app.state.inbox.run)
            _start_background(app, "consumer-lag", app.state.inbox.watch_lag)
        app.state.ready = True
        yield
        await _stop_background(app)
        for client in made.values():
            await client.close()
        await app.state.pool.close()

    # FastAPI's own OpenTelemetry hooks off: the services export Prometheus metrics (`tuoyu.metrics`) and configure
    # no tracer, yet the hooks asked for the providers on every request (issue 16's profile: 2–3% of a request).
    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False})
    app.state.settings = settings
    app.state.ready = False
    app.state.tasks = []
    app.state.inbox = None
    errors.install(app)
    for hot_path in hot_paths:  # added first: the innermost, so the timing and the body limit still apply
        app.add_middleware(hot_path, fastapi=app)
    metrics.install(app)
    app.add_middleware(BodyLimit, routes=large_bodies)
    _operations(app)
    if desk is not None:
        desk.install(app)
    for router in routers:
        app.include_router(router)
    return app


def _operations(app: FastAPI) -> None:
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


def _start_background(app: FastAPI, name: str, work: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(work(), name=name)
    task.add_done_callback(lambda t: t.cancelled() or t.exception() and log.error("%s stopped: %r", name,
                                                                                   t.exception()))
    app.state.tasks.append(task)


async def _stop_background(app: FastAPI) -> None:
    for task in app.state.tasks:
        task.cancel()
    await asyncio.gather(*app.state.tasks, return_exceptions=True)
