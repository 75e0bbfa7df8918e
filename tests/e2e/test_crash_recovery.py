"""A crash anywhere loses nothing and duplicates nothing (CONTRACT "Events", issue 3)."""

from __future__ import annotations

import threading

import pytest
import yaml

from tests.e2e.expected import WORKED_EXAMPLES, comparable
from tests.stack import World


def world_without_timeline(tmp_path) -> str:
    scenario = yaml.safe_load(WORKED_EXAMPLES.read_text(encoding="utf-8"))
    scenario.pop("timeline")
    target = tmp_path / "world.yaml"
    target.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    return str(target)


def september(world) -> dict:
    world.cli("bill", "--month", "2022-09")
    return world.api().call(world.api().billing, "GET", "/reports/2022-09").json()


def events_recorded_and_applied(world) -> tuple[int, int]:
    recorded = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
    applied = world.query("subsidy", "SELECT count(*) FROM processed_events")[0][0]
    return recorded, applied


@pytest.fixture(scope="module")
def fault_free_report(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("reference")).start()
    try:
        world.cli("scenario", "load", world_without_timeline(tmp_path_factory.mktemp("s")))
        return comparable(september(world))
    finally:
        world.close()


def test_subsidy_killed_before_commit_recomputes_the_same_report(world_factory, tmp_path, fault_free_report):
    world = world_factory(faults={"subsidy": {"TUOYU_FAULT_KILL_BEFORE_COMMIT": "3"}})
    scenario = world_without_timeline(tmp_path)
    # May fail midway: a facility's rate is checked against subsidy's bounds, and subsidy may die before that.
    world.cli("scenario", "load", scenario, check=False)
    assert world["subsidy"].wait_exit() == -9, "the consumer should have died before its third commit"
    world["subsidy"].start()
    world.cli("scenario", "load", scenario)  # idempotent: completes what the first pass could not

    assert comparable(september(world)) == fault_free_report
    recorded, applied = events_recorded_and_applied(world)
    assert applied == recorded
    assert world.query("subsidy", "SELECT count(*) FROM enrollments")[0][0] == 6


def test_relay_killed_after_publishing_resends_and_the_consumer_ignores_the_duplicates(
        world_factory, tmp_path, fault_free_report):
    world = world_factory(faults={"enrollment": {"TUOYU_FAULT_KILL_AFTER_PUBLISH": "2"}})
    scenario = world_without_timeline(tmp_path)
    world.cli("scenario", "load", scenario, check=False)  # may fail midway: the service died under it
    assert world["enrollment"].wait_exit() == -9
    world["enrollment"].start()
    world.cli("scenario", "load", scenario)  # the facility resends what failed; nothing doubles

    assert comparable(september(world)) == fault_free_report
    recorded, applied = events_recorded_and_applied(world)
    assert applied == recorded
    metrics = world.api().call(world.api().subsidy, "GET", "/metrics").text
    duplicates = [line for line in metrics.splitlines() if line.startswith("tuoyu_events_duplicate_total{")]
    assert duplicates and float(duplicates[0].rsplit(" ", 1)[1]) >= 1, "the resent events reached the consumer"


def test_running_the_cycle_twice_at_once_issues_each_document_once(world, tmp_path, fault_free_report):
    world.cli("scenario", "load", world_without_timeline(tmp_path))
    results = []
    threads = [threading.Thread(target=lambda: results.append(world.api().bill("2022-09"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["issued"] for r in results) == [False, True]
    assert world.api().bill("2022-09")["issued"] is False  # and a third, later run

    assert comparable(world.api().call(world.api().billing, "GET", "/reports/2022-09").json()) == fault_free_report
    assert world.query("billing", "SELECT count(*), count(DISTINCT number) FROM family_documents")[0] == (5, 5)
    assert world.query("billing", "SELECT count(*) FROM payouts")[0][0] == 1
