"""The billing service: the monthly cycle, numbered documents, payouts and reports."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from billing.api import budgets, cycles
from billing.settings import BillingSettings
from billing.subsidy_client import SubsidyClient
from tuoyu import db, logs, settings as tuoyu_settings
from tuoyu.service import build_app, stop_background

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: BillingSettings | None = None):
    settings = settings or tuoyu_settings.load(BillingSettings)

    @asynccontextmanager
    async def lifespan(app):
        logs.configure(settings.log_level)
        dsn = settings.dsn(settings.billing_database)
        await db.migrate(dsn, MIGRATIONS)
        app.state.pool = await db.create_pool(dsn, max_size=10)
        app.state.subsidy = SubsidyClient(settings.subsidy_url, settings.admin_key.get_secret_value())
        app.state.ready = True
        yield
        await stop_background(app)
        await app.state.subsidy.close()
        await app.state.pool.close()

    app = build_app("tuoyu billing", lifespan,
                    "The monthly cycle: family invoices and credit notes, facility payouts, reports.")
    app.state.settings = settings
    app.include_router(cycles.router)
    app.include_router(budgets.router)
    return app
