"""The reliability tests' shared world: one generated scenario and one fault-free run of it per session, which every
faulty run's reports must equal."""

from __future__ import annotations

import time

import pytest
import yaml

from bench.world import generate
from tests.reliability.load import CHILDREN, load_until_done, reports
from tests.stack import World


@pytest.fixture(scope="session")
def scenario(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("chaos") / "world.yaml"
    path.write_text(yaml.safe_dump(generate(CHILDREN, seed=11), allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def fault_free(infra, tmp_path_factory, scenario) -> dict:
    world = World(tmp_path_factory.mktemp("fault-free")).start()
    try:
        load_until_done(world, scenario, time.monotonic() + 300)
        return reports(world)
    finally:
        world.close()
