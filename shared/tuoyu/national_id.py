"""A resident identity number (公民身份号码, GB 11643-1999): 18 characters, a check character, a birth date inside.

Pure. The number is 6 digits of the registering division, 8 of the birth date (YYYYMMDD), 3 of sequence and a
check character: the sum of the first 17 digits weighted by 2^(17−i) mod 11, taken mod 11, maps to "10X98765432".
A typing error in any one digit, or two neighbours swapped, changes the check character, so most mistakes and
every made-up run of zeros are caught here, before the number is hashed and compared across facilities.
"""

from __future__ import annotations

import re
from datetime import date

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def problem(number: str, birth_date: date | None = None) -> str | None:
    """Why `number` is not a valid identity number (of a child born on `birth_date`, when given); None if it is.

    A lowercase "x" is read as "X" (people type it so); nothing else is corrected.
    """
    number = number.upper()
    if not _SHAPE.fullmatch(number):
        return "must be 18 characters: 17 digits and a digit or X (GB 11643)"
    if check_character(number[:17]) != number[17]:
        return "its check character does not match its digits (GB 11643): a digit is mistyped"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "its digits 7 to 14 are not a birth date (YYYYMMDD)"
    if birth_date is not None and born != birth_date:
        return f"its birth date {born} is not the child's birth date {birth_date}"
    return None


def normalised(number: str) -> str:
    """The form that is hashed: upper-case X, so "…x" and "…X" are one child."""
    return number.upper()
