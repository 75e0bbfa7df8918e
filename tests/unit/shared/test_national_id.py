"""GB 11643 identity numbers: the check character, the birth date inside, and what a typing error looks like."""

from __future__ import annotations

from datetime import date

from hypothesis import given, strategies as st

from tuoyu.national_id import check_character, normalised, problem

# A well-formed number for a child born 2021-03-10 in Putuo (330903), built with the check character.
BODY = "33090320210310123"
VALID = BODY + check_character(BODY)


def test_a_number_with_its_check_character_and_the_childs_birth_date_is_valid():
    assert problem(VALID, date(2021, 3, 10)) is None


def test_the_published_sample_number_checks():
    assert check_character("11010519491231002") == "X"  # the standard's own example, 11010519491231002X


def test_eighteen_zeros_are_refused():
    assert problem("0" * 18) == "its check character does not match its digits (GB 11643): a digit is mistyped"


def test_a_number_of_the_wrong_shape_is_refused_saying_what_a_valid_one_looks_like():
    assert problem("3309032021031012") == "must be 18 characters: 17 digits and a digit or X (GB 11643)"
    assert problem("３３０９０３２０２１０３１０１２３４") is not None


def test_a_birth_date_other_than_the_childs_is_refused_naming_both():
    assert problem(VALID, date(2021, 3, 11)) == "its birth date 2021-03-10 is not the child's birth date 2021-03-11"


def test_a_lowercase_x_is_the_same_number():
    body = "11010519491231002"
    assert problem(body + "x") is None and normalised(body + "x") == body + "X"


@given(st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_mistyped_digit_is_caught(position, shift):
    digits = list(VALID)
    digits[position] = str((int(digits[position]) + shift) % 10)
    assert problem("".join(digits)) is not None


@given(st.integers(min_value=0, max_value=15))
def test_two_different_neighbouring_digits_swapped_are_caught(position):
    digits = list(VALID)
    if digits[position] != digits[position + 1]:
        digits[position], digits[position + 1] = digits[position + 1], digits[position]
        assert problem("".join(digits)) is not None
