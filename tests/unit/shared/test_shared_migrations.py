"""The shared package's migrations (inbox and outbox tables) are safe on a database that already holds their tables:
every database made before the tables moved to the shared package has them from the service's own migrations."""

from __future__ import annotations

import re
from importlib import import_module

import pytest

from tuoyu import inbox, outbox

SHARED = [inbox.MIGRATIONS, outbox.MIGRATIONS]
SERVICES = ["enrollment", "subsidy", "billing"]


def statements(path) -> list[str]:
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    return [s.strip() for s in text.split(";") if s.strip()]


@pytest.mark.parametrize("folder", SHARED, ids=lambda f: f.name)
def test_every_shared_migration_creates_only_what_does_not_exist_yet(folder):
    files = sorted(folder.glob("*.sql"))
    assert files
    for path in files:
        for statement in statements(path):
            assert re.match(r"CREATE (UNIQUE )?(TABLE|INDEX) IF NOT EXISTS ", statement), (path.name, statement)


def test_no_service_migration_creates_a_table_the_shared_package_owns():
    shared_tables = {m[1] for folder in SHARED for path in folder.glob("*.sql")
                     for m in re.finditer(r"CREATE TABLE IF NOT EXISTS (\w+)", path.read_text(encoding="utf-8"))}
    assert shared_tables == {"processed_events", "consumer_offsets", "outbox"}
    for service in SERVICES:
        for path in import_module(f"{service}.app").MIGRATIONS.glob("*.sql"):
            created = set(re.findall(r"CREATE TABLE (\w+)", path.read_text(encoding="utf-8")))
            assert not created & shared_tables, (service, path.name)


@pytest.mark.parametrize("service", SERVICES)
def test_no_shared_migration_has_the_name_of_one_of_a_services(service):
    folders = SHARED + [import_module(f"{service}.app").MIGRATIONS]
    names = [p.stem for folder in folders for p in folder.glob("*.sql")]  # yoyo knows a migration by its name
    assert len(names) == len(set(names))
