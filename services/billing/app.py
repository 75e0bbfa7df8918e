"""The billing service: the monthly cycle, numbered documents, payouts, the bank, reports and the family page."""

from __future__ import annotations

from pathlib import Path

from billing import consumer, desk
from billing.api import audit, budgets, cycles, family_tokens, payees, payouts
from billing.payouts import bank
from billing.settings import BillingSettings
from billing.subsidy_client import SubsidyClient
from billing.web import family
from tuoyu import settings as tuoyu_settings
from tuoyu.events import decoding
from tuoyu.key_directory import KeyDirectory
from tuoyu.service import Consumes, create_service
from tuoyu.settings import ENROLLMENT_TOPIC

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: BillingSettings | None = None):
    settings = settings or tuoyu_settings.load(BillingSettings)
    return create_service(
        settings, title="tuoyu billing",
        description="The monthly cycle: family invoices and credit notes, facility payouts from approval to the bank, "
                    "reconciliation, reports, the family page and the finance desk.",
        database=settings.billing_database, migrations=MIGRATIONS,
        routers=[cycles.router, budgets.router, payouts.router, payees.router, audit.router, family_tokens.router,
                 family.router, *desk.routers],
        consumes=Consumes(ENROLLMENT_TOPIC, settings.consumer_group, batch_handler=consumer.apply_batch,
                          decode=decoding.decode, run=settings.run_consumer),
        # The desk's upload is multipart: the file and a few form fields around it.
        large_bodies=[("/bank-confirmations", bank.CONFIRMATION_MAX_BYTES),
                      ("/desk/bank-confirmations", bank.CONFIRMATION_MAX_BYTES + (64 << 10))],
        desk=desk.SITE,
        clients=lambda: {"subsidy": SubsidyClient(settings.subsidy_url, settings.admin_key.get_secret_value()),
                         "keys": KeyDirectory(settings.enrollment_url, settings.admin_key.get_secret_value())})
