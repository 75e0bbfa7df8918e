"""The billing service: the monthly cycle, numbered documents, payouts, the bank, reports and the family page."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from billing import consumer
from billing.api import audit, budgets, cycles, family_tokens, payees, payouts
from billing.settings import BillingSettings
from billing.subsidy_client import SubsidyClient
from billing.web import family
from tuoyu import db, kafka, logs, settings as tuoyu_settings
from tuoyu.events import decoding
from tuoyu.inbox import Inbox
from tuoyu.service import build_app, start_background, stop_background
from tuoyu.settings import ENROLLMENT_TOPIC

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


async def _watch_lag(inbox: Inbox, every: float = 5) -> None:
    """Keep the consumer-lag gauge current for Prometheus (the inbox sets it on each reading)."""
    while True:
        try:
            await inbox.lag()
        except Exception:  # the consumer is (re)starting; the next reading will do
            pass
        await asyncio.sleep(every)


def create_app(settings: BillingSettings | None = None):
    settings = settings or tuoyu_settings.load(BillingSettings)

    @asynccontextmanager
    async def lifespan(app):
        logs.configure(settings.log_level)
        dsn = settings.dsn(settings.billing_database)
        await db.migrate(dsn, MIGRATIONS)
        app.state.pool = await db.create_pool(dsn, max_size=10)
        app.state.subsidy = SubsidyClient(settings.subsidy_url, settings.admin_key.get_secret_value())
        app.state.inbox = None
        if settings.run_consumer:
            topic = settings.topic(ENROLLMENT_TOPIC)
            await kafka.ensure_topics(settings.kafka_bootstrap, [topic])
            app.state.inbox = Inbox(app.state.pool, settings.kafka_bootstrap, [topic],
                                    f"{settings.topic_prefix}.{settings.consumer_group}", consumer.apply,
                                    decode=decoding.decode)
            start_background(app, "enrollment-consumer", app.state.inbox.run)
            start_background(app, "consumer-lag", lambda: _watch_lag(app.state.inbox))
        app.state.ready = True
        yield
        await stop_background(app)
        await app.state.subsidy.close()
        await app.state.pool.close()

    app = build_app("tuoyu billing", lifespan,
                    "The monthly cycle: family invoices and credit notes, facility payouts from approval to the "
                    "bank, reconciliation, reports, and the family page.")
    app.state.settings = settings
    app.include_router(cycles.router)
    app.include_router(budgets.router)
    app.include_router(payouts.router)
    app.include_router(payees.router)
    app.include_router(audit.router)
    app.include_router(family_tokens.router)
    app.include_router(family.router)
    return app
