"""Money and rates cross the API and files as ASCII decimal strings (CONTRACT "Errors"): nothing else is read as one."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from tuoyu.bounds import Amount, MonthlyFee, Rate
from tuoyu.money import MoneyFormatError, format_cny, parse_cny, parse_rate


@pytest.mark.parametrize("text", ["２０００", "٢٠٠٠", "2000\u00a0", "\u00a02000", "４３７４０.００", "2000.001", "1e3",
                                  "", " ", "2,000.00", "+2000"])
def test_text_that_is_not_an_ascii_decimal_amount_is_refused(text):
    with pytest.raises(MoneyFormatError):
        parse_cny(text)


@pytest.mark.parametrize("text", ["０.12", "0.1２", "0.12\u00a0"])
def test_a_rate_in_other_digits_is_refused(text):
    with pytest.raises(MoneyFormatError):
        parse_rate(text)


def test_spaces_and_tabs_around_an_amount_are_what_a_spreadsheet_leaves_and_are_read():
    assert parse_cny(" 2000.00\t") == 200000


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_every_amount_formatted_reads_back_to_the_same_fen(fen):
    assert parse_cny(format_cny(fen)) == fen


class Request(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)  # as the API's request models
    fee: MonthlyFee | None = None
    amount: Amount | None = None
    rate: Rate | None = None


@pytest.mark.parametrize("field", ["fee", "amount", "rate"])
def test_a_request_model_does_not_strip_a_no_break_space_into_a_valid_number(field):
    value = "0.12\u00a0" if field == "rate" else "2000\u00a0"
    with pytest.raises(ValidationError) as refused:
        Request(**{field: value})
    assert refused.value.errors()[0]["loc"] == (field,)
