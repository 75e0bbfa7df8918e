"""Billing learns every family a roster import registers (`billing.consumer.apply_batch` records a fetched batch's
families in one statement): each, two children or one, can be given a family-page token."""

from __future__ import annotations

import csv
import io
import time

import httpx
import pytest

from tests.scenarios import path
from tuoyu.roster_file import COLUMNS

CHILDREN, FAMILIES = 300, 200  # the first 100 families have two children each


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"))


def roster() -> bytes:
    body = io.StringIO()
    writer = csv.writer(body)
    writer.writerow(COLUMNS)
    for i in range(CHILDREN):
        family = i % FAMILIES
        writer.writerow([f"IMP{family:03d}", f"IMPK{i:03d}", "2021-05-01", 1 if i < FAMILIES else 2, "", "BIG",
                         f"IMPE{i:03d}", "full_day", "2000.00", "2022-10-01", ""])
    return body.getvalue().encode()


def billing_families(world, facility: str, timeout: float = 60) -> list[str]:
    """The imported families billing knows at the facility, once it knows as many as were imported."""
    deadline = time.monotonic() + timeout
    while True:
        rows = world.query("billing", "SELECT external_id FROM families WHERE facility = '" + facility +
                           "' AND external_id LIKE 'IMP%' ORDER BY external_id")
        if len(rows) >= FAMILIES or time.monotonic() > deadline:
            return [family for (family,) in rows]


def issue_token(world, family: str) -> httpx.Response:
    return httpx.post(world["billing"].url + "/family-tokens", json={"facility": "F1", "family": family},
                      headers={"Authorization": f"Bearer {world.admin_key}"}, timeout=60)


def test_every_family_a_roster_import_registers_is_in_billing_once_and_can_be_given_a_token(world):
    api = world.api()
    api.call(api.enrollment, "POST", "/facilities/F1/classes",
             json={"external_id": "BIG", "opened_on": "2022-09-01", "capacity": CHILDREN})
    report = api.call(api.enrollment, "POST", "/facilities/F1/roster", content=roster(),
                      headers={"Content-Type": "text/csv"}).json()
    assert report["created"]["families"] == FAMILIES and report["created"]["children"] == CHILDREN

    assert billing_families(world, "F1") == [f"IMP{f:03d}" for f in range(FAMILIES)]
    token = issue_token(world, "IMP150")
    assert token.status_code == 201 and token.json()["family"] == "IMP150"
    assert issue_token(world, "IMP999").status_code == 404, "a family no import registered"
