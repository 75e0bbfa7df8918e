"""The enrollment service: facilities and the health commission record facts; the outbox relay publishes them."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from enrollment import desk
from enrollment.api import (
    confirmations, duplicates, facilities, imports, jurisdictions, keys, operations, planning, public, roster,
)
from enrollment.api import deps
from enrollment.api.hot_path import EnrollmentHotPath
from enrollment.rate_bounds import RateBounds
from enrollment.settings import EnrollmentSettings
from tuoyu import settings as tuoyu_settings
from tuoyu.service import Publishes, create_service
from tuoyu.settings import ENROLLMENT_TOPIC

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: EnrollmentSettings | None = None):
    settings = settings or tuoyu_settings.load(EnrollmentSettings)
    app = create_service(
        settings, title="tuoyu enrollment",
        description="Facilities, classes, families, children and enrollments; every change is published to Kafka.",
        database=settings.enrollment_database, migrations=MIGRATIONS, pool_size=20,
        routers=[facilities.registrations, facilities.router, keys.router, keys.introspection, keys.officials, roster.router,
                 confirmations.router, imports.router, duplicates.router, jurisdictions.router, planning.router,
                 public.router, operations.router, *desk.ROUTERS],
        publishes=Publishes(ENROLLMENT_TOPIC, relay=settings.run_relay),
        large_bodies=[(r"/facilities/[^/]+/roster", settings.roster_max_bytes)], desk=desk.SITE,
        hot_paths=[EnrollmentHotPath],
        clients=lambda: {"rate_bounds": RateBounds(settings.subsidy_url, settings.admin_key.get_secret_value())})
    app.add_exception_handler(asyncpg.UniqueViolationError, deps.caseless_id_taken)
    return app
