"""Settings every service and the CLI share: the services' URLs follow their ports, the clock can be moved, the
database is one server or a primary with its standby."""

from __future__ import annotations

from datetime import date

import pytest

from tuoyu.cli.client import CliSettings
from tuoyu.db import yoyo_uri
from tuoyu.settings import postgres_dsn

SECRETS = {"admin_key": "a", "finance_key": "f", "operator_key": "o", "hash_pepper": "p"}


@pytest.fixture(autouse=True)
def no_stack_settings(monkeypatch):
    """`make test` runs under deploy/env.sh, which exports every port and URL: start from none of them."""
    for service in ("ENROLLMENT", "SUBSIDY", "BILLING"):
        monkeypatch.delenv(f"TUOYU_{service}_PORT", raising=False)
        monkeypatch.delenv(f"TUOYU_{service}_URL", raising=False)
    monkeypatch.delenv("TUOYU_TODAY", raising=False)
    monkeypatch.delenv("TUOYU_PG_HOSTS", raising=False)


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


def test_one_database_server_is_reached_as_before(monkeypatch):
    monkeypatch.setenv("TUOYU_PG_PORT", "56000")
    assert CliSettings(**SECRETS).dsn("tuoyu_billing") == "postgresql://tuoyu:tuoyu@127.0.0.1:56000/tuoyu_billing"


def test_with_a_standby_the_client_keeps_to_the_node_that_takes_writes(monkeypatch):
    monkeypatch.setenv("TUOYU_PG_HOSTS", "127.0.0.1:55432,127.0.0.1:55433")
    assert CliSettings(**SECRETS).dsn("tuoyu_billing") == (
        "postgresql://tuoyu:tuoyu@127.0.0.1:55432,127.0.0.1:55433/tuoyu_billing?target_session_attrs=read-write")


def test_a_password_with_url_characters_survives_the_dsn():
    assert postgres_dsn("h:1", "tuoyu", "p@ss/w:rd", "db") == "postgresql://tuoyu:p%40ss%2Fw%3Ard@h:1/db"


def test_yoyo_is_given_every_node_as_arguments_it_passes_to_psycopg():
    uri = yoyo_uri(postgres_dsn("127.0.0.1:55432,127.0.0.1:55433", "tuoyu", "p@ss", "tuoyu_billing"))
    assert uri == ("postgresql+psycopg://tuoyu:p%40ss@/tuoyu_billing?host=127.0.0.1%2C127.0.0.1&port=55432%2C55433"
                   "&target_session_attrs=read-write")
