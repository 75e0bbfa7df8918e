"""A facility key revoked at the enrollment service is refused by every service at once (issue 12, finding 11).

Billing asks the enrollment service whose a key is on every request (`tuoyu.key_directory`); the window between
the revocation's commit and the first refusal is nil, so the request sent right after `DELETE` returns is refused.
"""

from __future__ import annotations

import httpx
import pytest

from tests.scenarios import path


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"))


def test_a_revoked_key_is_refused_by_billing_on_the_very_next_request(world):
    admin = httpx.Client(base_url=world["enrollment"].url, headers={"Authorization": f"Bearer {world.admin_key}"})
    for attempt in range(20):
        issued = admin.post("/facilities/F1/keys", json={"label": f"try {attempt}"}).json()
        facility = httpx.Client(base_url=world["billing"].url,
                                headers={"Authorization": f"Bearer {issued['api_key']}"})
        assert facility.get("/payouts").status_code == 200, "a key is good at billing as soon as it is issued"
        assert admin.delete(f"/facilities/F1/keys/{issued['key_id']}").status_code == 204
        refused = facility.get("/payouts")
        assert refused.status_code == 401, f"attempt {attempt}: billing still took the revoked key"
        assert refused.headers["content-type"] == "application/problem+json"


def test_billing_says_so_when_it_cannot_check_a_key_rather_than_guess(world):
    issued = httpx.post(world["enrollment"].url + "/facilities/F1/keys", json={},
                        headers={"Authorization": f"Bearer {world.admin_key}"}).json()
    world["enrollment"].stop()
    try:
        answer = httpx.get(world["billing"].url + "/payouts", headers={"Authorization": f"Bearer {issued['api_key']}"})
        assert answer.status_code == 503 and answer.json()["title"] == "Cannot check the key now"
        finance = httpx.get(world["billing"].url + "/payouts", headers={"Authorization": f"Bearer {world.finance_key}"})
        assert finance.status_code == 200, "the finance bureau's own key does not depend on the enrollment service"
    finally:
        world["enrollment"].start()
