"""Exact integer arithmetic for the vectorised engine: rates as parts per million, half-up division.

`tuoyu.money.round_half_up` stays the one rounding rule; `half_up_div` is the same rule written for arrays of
non-negative integer numerators, and the property tests hold the two equal.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

PPM = 10**6


def to_ppm(rate: Fraction) -> int:
    """Fraction(3, 25) → 120000; a rate with more than six decimals cannot be exact in ppm and is refused."""
    scaled = Fraction(rate) * PPM
    if scaled.denominator != 1:
        raise ValueError(f"rate {rate} has more than six decimals")
    return int(scaled)


def half_up_div(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """round_half_up(numerator / denominator) for int64 numerators >= 0: floor((2n + d) / 2d)."""
    return (2 * numerator + denominator) // (2 * denominator)
