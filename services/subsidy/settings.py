"""Subsidy service settings (environment, prefix TUOYU_)."""

from tuoyu.settings import CommonSettings


class SubsidySettings(CommonSettings):
    subsidy_database: str = "tuoyu_subsidy"
    consumer_group: str = "subsidy"
    # Run the event consumer in this process (tests may run it separately to crash it).
    run_consumer: bool = True
