"""Cycles on two billing instances of one platform (TUOYU_INSTANCES=2, issue 14): the jurisdiction's lock lives in
PostgreSQL, so two districts billed at once on different instances both commit, and one district's month asked of
both instances at once is issued once."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.billing.conftest import at_once, two_districts
from tests.stack import Service


@pytest.fixture(scope="module")
def world(world_of, tmp_path_factory):
    """Two districts of Zhoushan with a facility each, two instances of each service; no bill yet."""
    return world_of(two_districts(tmp_path_factory.mktemp("districts")), instances=2)


def bill_on(world, instance: Service, month: str, jurisdiction: str) -> dict:
    """Ask this instance itself, not the proxy, to run the month's cycle of the jurisdiction."""
    response = httpx.post(f"{instance.url}/cycles/{month}", params={"jurisdiction": jurisdiction}, timeout=300,
                          headers={"Authorization": f"Bearer {world.finance_key}"})
    response.raise_for_status()
    return response.json()


def test_two_districts_billed_at_once_on_two_instances_both_commit(world):
    first, second = world.instances("billing")
    results = at_once(lambda: bill_on(world, first, "2022-09", "330903"),
                      lambda: bill_on(world, second, "2022-09", "330902"))
    assert sorted((c["jurisdiction"], c["issued"]) for r in results for c in r["cycles"]) == [
        ("330902", True), ("330903", True)]
    rows = world.query("billing", "SELECT jurisdiction, count(*), count(DISTINCT number) FROM family_documents "
                                  "WHERE cycle_month = '2022-09' GROUP BY 1 ORDER BY 1")
    assert rows == [("330902", 3, 3), ("330903", 3, 3)]


def test_one_districts_month_asked_of_both_instances_at_once_is_issued_once(world):
    first, second = world.instances("billing")
    results = at_once(lambda: bill_on(world, first, "2022-10", "330903"),
                      lambda: bill_on(world, second, "2022-10", "330903"))
    assert sorted(c["issued"] for r in results for c in r["cycles"]) == [False, True]
    assert world.query("billing", "SELECT count(*) FROM cycles WHERE jurisdiction = '330903' "
                                  "AND month = '2022-10'") == [(1,)]
    rows = world.query("billing", "SELECT count(*), count(DISTINCT (service_month, enrollment)) FROM family_documents "
                                  "WHERE jurisdiction = '330903' AND cycle_month = '2022-10'")
    assert rows[0][0] == rows[0][1] > 0, "a family document was issued twice"
