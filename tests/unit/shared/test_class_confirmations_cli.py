"""Scenario classes are confirmed on `confirmed_on`, else on their opening day, unless `confirmed: false`; the CLI's
CSV of confirmations names the line of any problem."""

from __future__ import annotations

from datetime import date

import pytest

from tuoyu.cli.classes import rows_of
from tuoyu.cli.client import ApiError
from tuoyu.cli.scenario import _confirmed_on


def test_a_scenario_class_is_confirmed_on_its_opening_day_unless_told_otherwise():
    assert _confirmed_on("F1", {"external_id": "C1", "opened_on": date(2022, 9, 1)}) == "2022-09-01"
    assert _confirmed_on("F1", {"external_id": "C1", "opened_on": date(2022, 9, 1),
                                "confirmed_on": date(2022, 9, 20)}) == "2022-09-20"
    assert _confirmed_on("F1", {"external_id": "C1", "opened_on": date(2022, 9, 1), "confirmed": False}) is None


def test_a_scenario_class_both_unconfirmed_and_dated_is_refused():
    with pytest.raises(ApiError, match="C1 of F1"):
        _confirmed_on("F1", {"external_id": "C1", "opened_on": "2022-09-01", "confirmed": False,
                             "confirmed_on": "2022-09-20"})


def test_a_confirmations_file_is_read_row_by_row_under_its_header():
    text = "facility,class,confirmed_on\nF1,C1,2022-09-20\n F2 ,C3,2022-10-01\n"
    assert rows_of(text, "x.csv") == [{"facility": "F1", "class": "C1", "confirmed_on": "2022-09-20"},
                                      {"facility": "F2", "class": "C3", "confirmed_on": "2022-10-01"}]


@pytest.mark.parametrize("text, problem", [
    ("facility,klass,confirmed_on\nF1,C1,2022-09-20\n", "line 1 must be the header"),
    ("facility,class,confirmed_on\nF1,C1\n", "line 2 has 2 cells"),
    ("facility,class,confirmed_on\n", "no confirmations"),
])
def test_a_bad_confirmations_file_is_refused_naming_the_line(text, problem):
    with pytest.raises(ValueError, match=problem):
        rows_of(text, "x.csv")
