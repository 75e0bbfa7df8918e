"""Billing service settings (environment, prefix TUOYU_)."""

from tuoyu.settings import CommonSettings


class BillingSettings(CommonSettings):
    billing_database: str = "tuoyu_billing"
    subsidy_url: str = "http://127.0.0.1:8102"
    enrollment_url: str = "http://127.0.0.1:8101"
