"""A world under a rule set the test writes: loaded through the admin API, then the test's scenario."""

from __future__ import annotations

import pytest
import yaml

from tests.stack import World


@pytest.fixture(scope="module")
def world_under(infra, tmp_path_factory):
    """Start a world, load `ruleset` (YAML text) through `POST /rulesets`, then `scenario` (a dict); every world is
    closed after the module."""
    worlds = []

    def start(ruleset: str, scenario: dict) -> World:
        tmp = tmp_path_factory.mktemp("world")
        world = World(tmp).start()
        worlds.append(world)
        api = world.api()
        api.call(api.subsidy, "POST", "/rulesets", content=ruleset.encode(),
                 headers={"Content-Type": "application/yaml"})
        path = tmp / "scenario.yaml"
        path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
        world.cli("scenario", "load", str(path))
        return world

    yield start
    for world in worlds:
        world.close()
