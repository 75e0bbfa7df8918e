"""Fixtures: a running world of the three real services on the real PostgreSQL and Kafka."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stack import World, accepts


@pytest.fixture(scope="session")
def infra() -> None:
    import os
    missing = [name for name, port in (("PostgreSQL", int(os.environ.get("TUOYU_PG_PORT", 55432))),
                                       ("Kafka", int(os.environ.get("TUOYU_KAFKA_PORT", 59092))))
               if not accepts(port)]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not running: `make infra` starts them (make test does it for you)")


@pytest.fixture
def world_factory(infra, tmp_path):
    """Start a world with chosen fault points; closed after the test."""
    worlds = []

    def make(**start_options) -> World:
        worlds.append(World(tmp_path / f"w{len(worlds)}"))
        (tmp_path / f"w{len(worlds) - 1}").mkdir()
        return worlds[-1].start(**start_options)

    yield make
    for w in worlds:
        w.close()


@pytest.fixture
def world(world_factory) -> World:
    return world_factory()


@pytest.fixture(scope="module")
def world_of(infra, tmp_path_factory):
    """Start a world and load a scenario into it (timeline included); every world is closed after the module."""
    worlds = []

    def start(scenario: str | Path, **env: str) -> World:
        world = World(tmp_path_factory.mktemp("world"), **env)
        worlds.append(world)  # closed even if it fails to start: its processes, its proxy and databases go
        world.start()
        world.cli("scenario", "load", str(scenario))
        return world

    yield start
    for world in worlds:
        world.close()
