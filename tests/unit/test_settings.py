"""Settings every service and the CLI share: the services' URLs follow their ports, the clock can be moved."""

from __future__ import annotations

from datetime import date

import pytest

from tuoyu.cli.client import CliSettings

SECRETS = {"admin_key": "a", "finance_key": "f", "operator_key": "o", "hash_pepper": "p"}


@pytest.fixture(autouse=True)
def no_stack_settings(monkeypatch):
    """`make test` runs under deploy/env.sh, which exports every port and URL: start from none of them."""
    for service in ("ENROLLMENT", "SUBSIDY", "BILLING"):
        monkeypatch.delenv(f"TUOYU_{service}_PORT", raising=False)
        monkeypatch.delenv(f"TUOYU_{service}_URL", raising=False)
    monkeypatch.delenv("TUOYU_TODAY", raising=False)


def test_the_cli_finds_a_service_moved_to_another_port(monkeypatch):
    monkeypatch.setenv("TUOYU_BILLING_PORT", "9103")
    settings = CliSettings(**SECRETS)
    assert settings.billing_url == "http://127.0.0.1:9103"
    assert settings.enrollment_url == "http://127.0.0.1:8101"


def test_a_url_set_outright_wins_over_the_port(monkeypatch):
    monkeypatch.setenv("TUOYU_SUBSIDY_PORT", "9102")
    monkeypatch.setenv("TUOYU_SUBSIDY_URL", "http://subsidy.internal:80")
    assert CliSettings(**SECRETS).subsidy_url == "http://subsidy.internal:80"


def test_the_clock_is_today_unless_moved(monkeypatch):
    assert CliSettings(**SECRETS).today() == date.today()
    monkeypatch.setenv("TUOYU_TODAY", "2022-10-15")
    assert CliSettings(**SECRETS).today() == date(2022, 10, 15)
