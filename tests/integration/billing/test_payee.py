"""POLICY "Guard rails", the payee is the one approved: a payout pays the account recorded when it was approved;
a facility's new account is only proposed until finance confirms it, and every step is in the audit trail."""

from __future__ import annotations

import json

import pytest

from tests.integration.billing.conftest import bank_file, billing_get, proposed_account
from tests.scenarios import path

ORIGINAL, NEW = "6222020200112233445", "9999888877776666"


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"))


def test_an_approved_payout_pays_the_account_approved_whatever_the_facility_changes_after(world):
    api = world.api()
    world.cli("payouts", "approve", "--month", "2022-09")
    key = api.call(api.enrollment, "POST", "/facilities/F1/keys", json={"label": "own"}).json()["api_key"]
    changed = api.enrollment.patch("/facilities/F1", json={"bank_account": NEW},
                                   headers={"Authorization": f"Bearer {key}"})
    assert changed.status_code == 200

    standing = proposed_account(world, "F1")
    assert (standing["bank_account"], standing["proposed"]) == (ORIGINAL, NEW)
    assert bank_file(world, "2022-09")["F1"]["account"] == ORIGINAL, \
        "the bank file pays the account approved, not the one just typed"

    wrong = world.cli("payouts", "confirm-account", "--facility", "F1", "--account", "1111", check=False)
    assert wrong.returncode != 0 and "is not '1111'" in wrong.stderr
    world.cli("payouts", "confirm-account", "--facility", "F1", "--account", NEW, "--by", "李科长")
    assert billing_get(world, "/facilities/F1/bank-account")["bank_account"] == NEW
    assert bank_file(world, "2022-09")["F1"]["account"] == ORIGINAL, "approved before the confirmation: still the old one"

    world.cli("bill", "--month", "2022-10")
    world.cli("payouts", "approve", "--month", "2022-10")
    assert bank_file(world, "2022-10")["F1"]["account"] == NEW, "approved after the confirmation: the new account"

    trail = {e["action"]: e for e in billing_get(world, "/audit", limit=50)}
    assert trail["bank_account_proposed"]["detail"] == {"facility": "F1", "in_effect": ORIGINAL, "proposed": NEW}
    assert trail["bank_account_confirmed"]["detail"] == {"facility": "F1", "before": ORIGINAL, "after": NEW,
                                                         "failed_payouts_now_paid_to_it": []}
    assert trail["bank_account_confirmed"]["actor"] == "finance (李科长)"
    approvals = [e for e in billing_get(world, "/audit", action="payouts_approved")]
    assert {ORIGINAL, NEW} <= {account for e in approvals for account in e["detail"]["payees"].values()}


def test_a_facility_without_a_bank_account_waits_unapproved_until_finance_confirms_one(world):
    admin = world.api().enrollment
    ok = lambda response: response.raise_for_status() and None  # noqa: E731
    ok(admin.post("/facilities", json={"external_id": "F3", "name": "新街托育园", "kind": "childcare_institution",
                                       "ownership": "public", "inclusive": True}))
    ok(admin.put("/facilities/F3/filing", json={"filed_on": "2022-03-01", "subsidy_rate": "0.12"}))
    ok(admin.put("/facilities/F3/certifications", json={"fire_safety_certified_on": "2022-03-01"}))
    ok(admin.post("/facilities/F3/classes", json={"external_id": "C1", "opened_on": "2022-11-01", "capacity": 5}))
    ok(admin.put("/facilities/F3/classes/C1/confirmation", json={"confirmed_on": "2022-11-01"}))
    ok(admin.post("/facilities/F3/families", json={"external_id": "FAMX"}))
    ok(admin.post("/facilities/F3/children", json={"external_id": "KX", "family": "FAMX", "birth_date": "2021-06-01",
                                                   "birth_order": 1}))
    ok(admin.post("/facilities/F3/enrollments", json={"external_id": "EX", "child": "KX", "class": "C1",
                                                      "monthly_fee": "2000.00", "start": "2022-11-01"}))
    world.cli("bill", "--month", "2022-11")

    approved = json.loads(world.cli("payouts", "approve", "--month", "2022-11").stdout)
    assert "F3" not in {a["facility"] for a in approved["approved"]}
    (waiting,) = [n for n in approved["not_approved"] if n["facility"] == "F3"]
    assert waiting["status"] == "issued" and waiting["reason"].startswith("no bank account in effect")

    ok(admin.patch("/facilities/F3", json={"bank_account": "6222 0202 0033 4455"}))
    proposed_account(world, "F3")
    world.cli("payouts", "confirm-account", "--facility", "F3", "--account", "6222020200334455")  # spaces aside
    again = json.loads(world.cli("payouts", "approve", "--month", "2022-11").stdout)
    assert [a["facility"] for a in again["approved"]] == ["F3"]
    assert bank_file(world, "2022-11")["F3"]["account"] == "6222020200334455"

