"""Money as integer fen (分), with POLICY's one rounding rule.

Amounts cross the API and files as decimal strings in CNY ("2000.00"); inside, they are ints of fen.
Exact intermediate values are `Fraction`s; `round_half_up` is the only place a fraction becomes fen.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

# ASCII digits only: `\d` would also take full-width "２０００" and Arabic-Indic "٢٠٠٠" (CONTRACT "Errors").
_CNY = re.compile(r"(-)?([0-9]{1,13})(?:\.([0-9]{1,2}))?")
_RATE = re.compile(r"([0-9]+)(?:\.([0-9]{1,6}))?")
_SPACES = " \t"  # around a value: what a spreadsheet or a hand leaves; a no-break space is not one of them


class MoneyFormatError(ValueError):
    """A string that is not a CNY amount such as "2000.00"."""


def parse_cny(text: str | int) -> int:
    """'2000.00' → 200000 fen. ASCII digits, at most two decimals; refuses floats, exponents, blanks and other
    scripts' digits."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise MoneyFormatError(f"expected a decimal string such as \"2000.00\", got {type(text).__name__}")
    match = _CNY.fullmatch(str(text).strip(_SPACES))
    if not match:
        raise MoneyFormatError(f"{text!r} is not an amount in CNY such as \"2000.00\" (at most two decimals)")
    sign, whole, cents = match.groups()
    fen = int(whole) * 100 + int((cents or "0").ljust(2, "0"))
    return -fen if sign else fen


def format_cny(fen: int) -> str:
    """200000 → '2000.00'; -1050 → '-10.50'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan(fen: int) -> Decimal:
    """12345 → Decimal('123.45'): exact yuan for a spreadsheet cell or a chart's scale, never a float."""
    return Decimal(fen).scaleb(-2)


def grouped_yuan(fen: int) -> str:
    """12345 → '123.45'; -7000000 → '-70,000.00': yuan with thousands separators, as pages show amounts."""
    whole, cents = format_cny(abs(fen)).split(".")
    return f"{'-' if fen < 0 else ''}{int(whole):,}.{cents}"


def round_half_up(amount: Fraction | int) -> int:
    """An exact amount of fen, rounded half away from zero to a whole fen (POLICY `money`)."""
    value = Fraction(amount)
    magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude


def parse_rate(text: str) -> Fraction:
    """'0.12' → Fraction(3, 25). Rates are decimal strings with at most six decimals."""
    match = _RATE.fullmatch(str(text).strip(_SPACES))
    if not match:
        raise MoneyFormatError(f"{text!r} is not a rate such as \"0.12\" (at most six decimals)")
    whole, decimals = match.groups()
    decimals = decimals or ""
    return Fraction(int(whole + decimals), 10 ** len(decimals))


def format_rate(rate: Fraction) -> str:
    """Fraction(3, 25) → '0.12' (shortest exact decimal, at most six places)."""
    scaled = rate * 10**6
    if scaled.denominator != 1:
        raise MoneyFormatError(f"rate {rate} has more than six decimals")
    text = f"{scaled.numerator // 10**6}.{scaled.numerator % 10**6:06d}".rstrip("0")
    return text + "0" if text.endswith(".") else text
