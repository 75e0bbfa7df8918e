"""Settings every service shares, read from the environment (prefix TUOYU_) with working local defaults.

Secrets (API keys, the hashing pepper) have no defaults: `deploy/` writes them to `.stack/secrets.env`,
which every service and the CLI read when the variables are not set.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from urllib.parse import quote

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def secrets_file() -> Path:
    return Path(os.environ.get("TUOYU_STACK_DIR", ".stack")) / "secrets.env"


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUOYU_", env_file=None, extra="ignore")

    pg_host: str = "127.0.0.1"
    pg_port: int = 55432
    # Every data node as host:port,host:port (deploy/env.sh derives it from TUOYU_PG_NODES); unset, pg_host:pg_port.
    pg_hosts: str | None = None
    pg_user: str = "tuoyu"
    pg_password: SecretStr = SecretStr("tuoyu")
    kafka_bootstrap: str = "127.0.0.1:59092"
    # Tests give each run its own prefix so runs never see each other's events.
    topic_prefix: str = "tuoyu"
    admin_key: SecretStr
    finance_key: SecretStr
    # The platform operator's: creates jurisdictions (POLICY "Jurisdictions").
    operator_key: SecretStr
    # Keys, tokens and national ID numbers are stored only as keyed hashes under this pepper.
    hash_pepper: SecretStr
    log_level: str = "INFO"
    # The service's clock: unset, today's date; set (TUOYU_TODAY=2022-10-15), the day tests and demos move it to.
    today_override: date | None = Field(default=None, validation_alias="TUOYU_TODAY")

    def today(self) -> date:
        """The service's business date: what "a month that has not begun" and "in the future" are measured by."""
        return self.today_override or date.today()

    # Where the services are: each URL follows its port (TUOYU_BILLING_PORT=9103 moves both) unless set itself.
    enrollment_port: int = 8101
    subsidy_port: int = 8102
    billing_port: int = 8103
    enrollment_url: str | None = None
    subsidy_url: str | None = None
    billing_url: str | None = None

    @model_validator(mode="after")
    def _urls_follow_ports(self) -> "CommonSettings":
        for service in ("enrollment", "subsidy", "billing"):
            if getattr(self, f"{service}_url") is None:
                setattr(self, f"{service}_url", f"http://127.0.0.1:{getattr(self, f'{service}_port')}")
        return self

    def dsn(self, database: str) -> str:
        hosts = self.pg_hosts or f"{self.pg_host}:{self.pg_port}"
        return postgres_dsn(hosts, self.pg_user, self.pg_password.get_secret_value(), database)

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}.{name}"


def postgres_dsn(hosts: str, user: str, password: str, database: str) -> str:
    """A libpq URL; `hosts` is host:port, or several separated by commas (a primary and its standbys).

    With several, the client tries them in turn and keeps the one that takes writes (target_session_attrs), so after
    a failover a new connection finds the new primary. asyncpg and psycopg read this form; yoyo needs it rewritten
    (`tuoyu.db`)."""
    dsn = f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{hosts}/{database}"
    return f"{dsn}?target_session_attrs=read-write" if "," in hosts else dsn


def load(settings_class: type[CommonSettings], **overrides) -> CommonSettings:
    """Build settings from overrides, the environment, then `.stack/secrets.env`."""
    return settings_class(_env_file=secrets_file(), **overrides)


ENROLLMENT_TOPIC = "enrollment.events"
