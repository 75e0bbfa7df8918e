"""The subsidy service: keeps the facts from enrollment events and answers what is due under the rule set."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from subsidy import projection
from subsidy.api import due, explanations, rulesets, whatif
from tuoyu.events import decoding
from subsidy.settings import SubsidySettings
from tuoyu import db, kafka, logs, settings as tuoyu_settings
from tuoyu.inbox import Inbox
from tuoyu.service import build_app, start_background, stop_background
from tuoyu.settings import ENROLLMENT_TOPIC

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: SubsidySettings | None = None):
    settings = settings or tuoyu_settings.load(SubsidySettings)

    @asynccontextmanager
    async def lifespan(app):
        logs.configure(settings.log_level)
        dsn = settings.dsn(settings.subsidy_database)
        await db.migrate(dsn, MIGRATIONS)
        app.state.pool = await db.create_pool(dsn, max_size=10)
        topic = settings.topic(ENROLLMENT_TOPIC)
        await kafka.ensure_topics(settings.kafka_bootstrap, [topic])
        app.state.inbox = None
        if settings.run_consumer:
            app.state.inbox = Inbox(app.state.pool, settings.kafka_bootstrap, [topic],
                                    f"{settings.topic_prefix}.{settings.consumer_group}",
                                    batch_handler=projection.apply_batch, decode=decoding.decode)
            start_background(app, "enrollment-consumer", app.state.inbox.run)
        app.state.ready = True
        yield
        await stop_background(app)
        await app.state.pool.close()

    app = build_app("tuoyu subsidy", lifespan,
                    "Applies a city's rule set to the facts from enrollment events: what is due, and why.")
    app.state.settings = settings
    app.include_router(rulesets.router)
    app.include_router(due.router)
    app.include_router(explanations.router)
    app.include_router(whatif.router)
    return app
