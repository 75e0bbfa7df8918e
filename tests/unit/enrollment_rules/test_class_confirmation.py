"""The health commission's confirmation of classes, pure (POLICY "Guard rails": a class nobody confirmed earns
nothing): recorded once, the same date again is nothing new, a list is recorded all or none."""

from __future__ import annotations

from datetime import date

import pytest

from enrollment.domain.classes import Confirmation, confirmations, confirming
from enrollment.domain.models import ClassConfirmations
from tuoyu.errors import Conflict, InvalidInput

D = date.fromisoformat


def test_an_unconfirmed_class_is_confirmed_and_the_same_date_again_changes_nothing():
    assert confirming("C1", None, D("2022-09-20")) is True
    assert confirming("C1", D("2022-09-20"), D("2022-09-20")) is False


def test_a_class_confirmed_on_another_date_is_a_conflict_naming_the_date_recorded():
    with pytest.raises(Conflict, match="class C1 was confirmed on 2022-09-20"):
        confirming("C1", D("2022-09-20"), D("2022-10-01"))


def test_a_list_records_only_what_is_new_once_per_class():
    wanted = [Confirmation("F1", "C1", D("2022-09-20")), Confirmation("F1", "C2", D("2022-09-01")),
              Confirmation("F1", "C1", D("2022-09-20"))]
    found = {("F1", "C1"): None, ("F1", "C2"): D("2022-09-01")}
    assert confirmations(wanted, {"F1"}, found) == [0]


def test_a_list_with_problems_is_refused_whole_naming_each_problem_by_its_index():
    wanted = [Confirmation("F1", "C1", D("2022-09-20")), Confirmation("F9", "C1", D("2022-09-20")),
              Confirmation("F1", "C9", D("2022-09-20")), Confirmation("F1", "C2", D("2022-10-01")),
              Confirmation("F1", "C1", D("2022-09-21"))]
    found = {("F1", "C1"): None, ("F1", "C2"): D("2022-09-01")}
    with pytest.raises(InvalidInput) as refused:
        confirmations(wanted, {"F1"}, found)
    assert [e["field"] for e in refused.value.errors] == [
        "confirmations[1].facility", "confirmations[2].class", "confirmations[3].confirmed_on",
        "confirmations[4].confirmed_on"]
    assert "confirmations[0] confirms the same class on 2022-09-20" in refused.value.errors[-1]["reason"]


def test_a_list_reads_class_as_the_scenario_and_the_csv_name_it():
    body = ClassConfirmations.model_validate(
        {"confirmations": [{"facility": "F1", "class": "C1", "confirmed_on": "2022-09-20"}]})
    assert body.confirmations[0].class_ == "C1"
    with pytest.raises(ValueError):
        ClassConfirmations.model_validate({"confirmations": []})
