"""Vectorised child-level rules: `age_limit` and the sibling rank of `sibling_reduction`."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import numpy as np

from tuoyu.months import Month

from .exact import to_ppm
from .facts import ChildFacts


def age_eligible(birth_date: np.ndarray, month: Month, years: int) -> np.ndarray:
    """True where the child's birthday number `years` falls after the month's first day (POLICY `age_limit`).

    Moving both sides back by `years` years: birthday(y+years, m, d) > (Y, M, 1) exactly when (y, m, d) >
    (Y−years, M, 1), which is one date comparison. The 29 February rule (the birthday falls on 1 March in a
    year without one) cannot change the answer: between 29 February and 1 March there is no month's first
    day, and on 1 March itself both readings say "not after". The reference computes the birthday itself.
    """
    threshold = np.datetime64(date(month.year - years, month.month, 1), "D")
    return birth_date > threshold


def _starts(boundary: np.ndarray) -> np.ndarray:
    """For each position, the index where its run of equal keys begins (`boundary` marks run starts)."""
    idx = np.where(boundary, np.arange(len(boundary)), 0)
    return np.maximum.accumulate(idx) if len(idx) else idx


def sibling_groups(family: np.ndarray, household: np.ndarray) -> np.ndarray:
    """The key `enrolled_sibling_rank` groups children by: the household's, when the family has one (object array,
    None where not), else the family's (POLICY "Households"). Family keys are >= 0, households' negative."""
    key = np.asarray(family, dtype=np.int64).copy()
    has = np.not_equal(household, None).astype(bool)
    if has.any():
        _, code = np.unique(household[has].astype(str), return_inverse=True)
        key[has] = -1 - code.reshape(-1)
    return key


def enrolled_sibling_rank(children: ChildFacts, qualifying: np.ndarray) -> np.ndarray:
    """Rank of every child among its family's (household's: `sibling_groups`) qualifying children by (birth date,
    birth order): 1 + those before.

    A child that does not qualify still gets the rank it would have; children with equal birth date and birth
    order share a rank. Sorting once by (family, birth date, birth order) and counting qualifying children with
    a cumulative sum keeps this O(n log n) without a Python loop.
    """
    n = len(children)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    family = children.family
    born = children.birth_date.view(np.int64)
    order = children.birth_order.astype(np.int64)
    key = _packed_key(family, born, order)
    if key is not None:
        perm = np.argsort(key)
        k = key[perm]
        same_key = np.concatenate(([False], k[1:] == k[:-1]))
        fam_sorted = family[perm]
    else:
        perm = np.lexsort((order, born, family))
        fam_sorted, b, o = family[perm], born[perm], order[perm]
        equal = (fam_sorted[1:] == fam_sorted[:-1]) & (b[1:] == b[:-1]) & (o[1:] == o[:-1])
        same_key = np.concatenate(([False], equal))
    same_family = np.concatenate(([False], fam_sorted[1:] == fam_sorted[:-1]))
    before = np.concatenate(([0], np.cumsum(qualifying[perm], dtype=np.int64)))[:-1]
    rank_sorted = 1 + before[_starts(~same_key)] - before[_starts(~same_family)]
    rank = np.empty(n, dtype=np.int64)
    rank[perm] = rank_sorted
    return rank


def _packed_key(family: np.ndarray, born: np.ndarray, order: np.ndarray) -> np.ndarray | None:
    """(family, birth date, birth order) packed into one int64 that sorts the same way, if the ranges fit."""
    parts = []
    bits = 0
    for column in (order, born, family):
        low = int(column.min())
        width = int(column.max()) - low
        parts.append((column - low, bits))
        bits += max(width, 1).bit_length()
    if bits > 62:
        return None
    key = np.zeros(len(family), dtype=np.int64)
    for values, shift in parts:
        key |= values.astype(np.int64) << shift
    return key


def reduction_ppm(rank: np.ndarray, table: dict[int, Fraction]) -> np.ndarray:
    """Reduction rate in parts per million for each rank: the entry with the largest key <= rank, else 0."""
    top = max(table, default=0)
    # One slot per rank up to the largest key; higher ranks share the last slot.
    by_rank = np.zeros(top + 1, dtype=np.int64)
    for key in sorted(table):
        by_rank[key:] = to_ppm(table[key])
    return by_rank[np.clip(rank, 0, top)]
