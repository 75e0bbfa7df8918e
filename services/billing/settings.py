"""Billing service settings (environment, prefix TUOYU_)."""

from pydantic import Field

from tuoyu.settings import CommonSettings


class BillingSettings(CommonSettings):
    billing_database: str = "tuoyu_billing"
    # Where families open their page (printed with each token); the billing service's own address by default.
    public_url: str | None = None
    # A cycle is computed, planned and written a facility range of about this many enrollments at a time.
    cycle_batch_lines: int = 100_000
    # How many funds' cycles of a month run at once (`cycle.driver.each`): jurisdictions sharing a fund always run
    # one after another. 1: one jurisdiction after another.
    billing_cycle_workers: int = Field(default=2, ge=1)
    consumer_group: str = "billing"
    # Consume the enrollment topic here (facility names and bank accounts, families, facility keys).
    run_consumer: bool = True
