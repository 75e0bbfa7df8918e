"""The enrollment service: facilities and the health commission record facts; the outbox relay publishes them."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from enrollment.api import facilities, imports, keys, operations, public, roster
from enrollment.rate_bounds import RateBounds
from enrollment.settings import EnrollmentSettings
from tuoyu import db, kafka, logs, settings as tuoyu_settings
from tuoyu.outbox import OutboxRelay
from tuoyu.service import build_app, start_background, stop_background
from tuoyu.settings import ENROLLMENT_TOPIC

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: EnrollmentSettings | None = None):
    settings = settings or tuoyu_settings.load(EnrollmentSettings)

    @asynccontextmanager
    async def lifespan(app):
        logs.configure(settings.log_level)
        dsn = settings.dsn(settings.enrollment_database)
        await db.migrate(dsn, MIGRATIONS)
        app.state.pool = await db.create_pool(dsn, max_size=20)
        app.state.rate_bounds = RateBounds(settings.subsidy_url, settings.admin_key.get_secret_value())
        await kafka.ensure_topics(settings.kafka_bootstrap, [settings.topic(ENROLLMENT_TOPIC)])
        if settings.run_relay:
            relay = OutboxRelay(app.state.pool, settings.kafka_bootstrap)
            start_background(app, "outbox-relay", relay.run)
        app.state.ready = True
        yield
        await stop_background(app)
        await app.state.rate_bounds.close()
        await app.state.pool.close()

    app = build_app("tuoyu enrollment", lifespan,
                    "Facilities, classes, families, children and enrollments; every change is published to Kafka.")
    app.state.settings = settings
    for router in (facilities.registrations, facilities.router, keys.router, roster.router, imports.router,
                   public.router, operations.router):
        app.include_router(router)
    return app
