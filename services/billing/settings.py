"""Billing service settings (environment, prefix TUOYU_)."""

from tuoyu.settings import CommonSettings


class BillingSettings(CommonSettings):
    billing_database: str = "tuoyu_billing"
    subsidy_url: str = "http://127.0.0.1:8102"
    enrollment_url: str = "http://127.0.0.1:8101"
    billing_url: str = "http://127.0.0.1:8103"
    # Where families open their page (printed with each token); the billing service's own address by default.
    public_url: str | None = None
    # A cycle is computed, planned and written a facility range of about this many enrollments at a time.
    cycle_batch_lines: int = 100_000
    consumer_group: str = "billing"
    # Consume the enrollment topic here (facility names and bank accounts, families, facility keys).
    run_consumer: bool = True
