"""`age_limit`: a month is eligible while the third birthday falls after its first day."""

from datetime import date, timedelta

import numpy as np

from subsidy.rules.family import age_eligible
from subsidy.rules.reference import third_birthday
from tuoyu.months import Month


def test_a_child_born_on_29_february_turns_3_on_1_march_in_a_year_without_one():
    assert third_birthday(date(2020, 2, 29), 3) == date(2023, 3, 1)
    born = np.array(["2020-02-29"], dtype="datetime64[D]")
    assert age_eligible(born, Month(2023, 2), 3).tolist() == [True]
    assert age_eligible(born, Month(2023, 3), 3).tolist() == [False]


def test_a_child_born_on_29_february_keeps_the_date_when_the_limit_year_is_leap():
    # A 4-year limit from 2020-02-29 lands on 2024-02-29.
    assert third_birthday(date(2020, 2, 29), 4) == date(2024, 2, 29)
    born = np.array(["2020-02-29"], dtype="datetime64[D]")
    assert age_eligible(born, Month(2024, 2), 4).tolist() == [True]
    assert age_eligible(born, Month(2024, 3), 4).tolist() == [False]


def test_the_vectorised_age_rule_agrees_with_the_plain_one_for_every_birth_date_over_six_years():
    births = [date(2016, 1, 1) + timedelta(days=i) for i in range(6 * 366)]
    born = np.array(births, dtype="datetime64[D]")
    for month in (Month(2019, 1), Month(2019, 3), Month(2020, 2), Month(2020, 3), Month(2021, 12)):
        expected = [third_birthday(b, 3) > month.first_day for b in births]
        assert age_eligible(born, month, 3).tolist() == expected
