"""The subsidy service: keeps the facts from enrollment events and answers what is due under the rule set."""

from __future__ import annotations

from pathlib import Path

from subsidy import projection
from subsidy.api import due, explanations, rulesets, whatif
from subsidy.settings import SubsidySettings
from tuoyu import settings as tuoyu_settings
from tuoyu.events import decoding
from tuoyu.key_directory import KeyDirectory
from tuoyu.service import Consumes, create_service
from tuoyu.settings import ENROLLMENT_TOPIC

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: SubsidySettings | None = None):
    settings = settings or tuoyu_settings.load(SubsidySettings)
    return create_service(
        settings, title="tuoyu subsidy",
        description="Applies a city's rule set to the facts from enrollment events: what is due, and why.",
        database=settings.subsidy_database, migrations=MIGRATIONS,
        routers=[rulesets.router, due.router, explanations.router, whatif.router],
        consumes=Consumes(ENROLLMENT_TOPIC, settings.consumer_group, batch_handler=projection.apply_batch,
                          decode=decoding.decode, run=settings.run_consumer),
        clients=lambda: {"keys": KeyDirectory(settings.enrollment_url, settings.admin_key.get_secret_value())})
