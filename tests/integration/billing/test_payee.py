"""POLICY "Guard rails", the payee is the one approved: a payout pays the account recorded when it was approved;
a facility's new account is only proposed until finance confirms it, and every step is in the audit trail."""

from __future__ import annotations

import csv
import io
import time

import pytest

from tests.integration.billing.conftest import billing_get
from tests.scenarios import path

ORIGINAL, NEW = "6222020200112233445", "9999888877776666"


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"))


def _bank_lines(world, month: str) -> dict:
    api = world.api()
    text = api.call(api.billing, "GET", f"/bank-files/{month}").text
    return {r["facility"]: (r["account"], r["reference"]) for r in csv.DictReader(io.StringIO(text))}


def _proposed(world) -> str | None:
    deadline = time.monotonic() + 30
    while (standing := billing_get(world, "/facilities/F1/bank-account"))["proposed"] is None:
        assert time.monotonic() < deadline, "billing never saw the facility's new account"
        time.sleep(0.2)
    return standing


def test_an_approved_payout_pays_the_account_approved_whatever_the_facility_changes_after(world):
    api = world.api()
    world.cli("payouts", "approve", "--month", "2022-09")
    key = api.call(api.enrollment, "POST", "/facilities/F1/keys", json={"label": "own"}).json()["api_key"]
    changed = api.enrollment.patch("/facilities/F1", json={"bank_account": NEW},
                                   headers={"Authorization": f"Bearer {key}"})
    assert changed.status_code == 200

    standing = _proposed(world)
    assert (standing["bank_account"], standing["proposed"]) == (ORIGINAL, NEW)
    september = _bank_lines(world, "2022-09")
    assert september["F1"][0] == ORIGINAL, "the bank file pays the account approved, not the one just typed"

    wrong = world.cli("payouts", "confirm-account", "--facility", "F1", "--account", "1111", check=False)
    assert wrong.returncode != 0 and "is not '1111'" in wrong.stderr
    world.cli("payouts", "confirm-account", "--facility", "F1", "--account", NEW, "--by", "李科长")
    assert billing_get(world, "/facilities/F1/bank-account")["bank_account"] == NEW
    assert _bank_lines(world, "2022-09")["F1"][0] == ORIGINAL, "approved before the confirmation: still the old one"

    world.cli("bill", "--month", "2022-10")
    world.cli("payouts", "approve", "--month", "2022-10")
    assert _bank_lines(world, "2022-10")["F1"][0] == NEW, "approved after the confirmation: the new account"

    trail = {e["action"]: e for e in billing_get(world, "/audit", limit=50)}
    assert trail["bank_account_proposed"]["detail"] == {"facility": "F1", "in_effect": ORIGINAL, "proposed": NEW}
    assert trail["bank_account_confirmed"]["detail"] == {"facility": "F1", "before": ORIGINAL, "after": NEW}
    assert trail["bank_account_confirmed"]["actor"] == "finance (李科长)"
    approvals = [e for e in billing_get(world, "/audit", action="payouts_approved")]
    assert {ORIGINAL, NEW} <= {account for e in approvals for account in e["detail"]["payees"].values()}
