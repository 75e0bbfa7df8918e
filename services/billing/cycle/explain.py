"""Explanations (POLICY `explanation`) as columns: what every row shares, and one value per row for the rest.

A cycle writes one explanation per document and per payout line, but a million lines have only a few thousand
distinct explanations (the same fee, days, rank and rate recur), so `texts` encodes each column as codes, finds
the distinct combinations, formats each of those once and hands every row its shared string. Two kinds of column
are rendered at that point only: `money` columns hold fen and read as "2000.00"; `lookups` give a column's value
from another's ("reduction_rate" from "sibling_rank" through the rule set's table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from tuoyu.money import format_cny


def _column(values, n: int) -> np.ndarray:
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    if array.dtype.kind not in "iub" or array.shape != (n,):
        out = np.empty(n, dtype=object)
        out[:] = list(values)
        return out
    return array


def _codes(column: np.ndarray) -> tuple[np.ndarray, list]:
    """(code per row, distinct values): a dictionary encoding of the column."""
    if column.dtype.kind in "iub":
        distinct, codes = np.unique(column, return_inverse=True)
        return codes.reshape(len(column)), distinct.tolist()
    seen: dict = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in column.tolist()), np.int64, len(column))
    return codes, list(seen)


def _combinations(codes: list[np.ndarray], sizes: list[int], n: int) -> tuple[list[list[int]], np.ndarray]:
    """The distinct rows of the code columns, and each row's index among them."""
    if not codes:
        return [[]], np.zeros(n, dtype=np.int64)
    if float(np.prod([max(s, 1) for s in sizes], dtype=float)) < 2.0 ** 62:
        key = np.zeros(n, dtype=np.int64)  # one mixed-radix number per row: sorting ints is fast
        for column, size in zip(codes, sizes):
            key = key * max(size, 1) + column
        distinct, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return [[int(c[i]) for c in codes] for i in first.tolist()], inverse.reshape(n)
    combos, inverse = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
    return combos.tolist(), inverse.reshape(n)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Explanations:
    """`constant` holds what is the same on every row (rule set, version, days in month); `columns` the rest."""

    constant: dict
    columns: dict
    n: int
    money: frozenset = field(default_factory=frozenset)  # columns of fen, shown as CNY
    lookups: dict = field(default_factory=dict)          # name -> (source column, {source value: value})

    def __post_init__(self):
        object.__setattr__(self, "columns", {k: _column(v, self.n) for k, v in self.columns.items()})
        object.__setattr__(self, "money", frozenset(self.money))

    def _like(self, constant: dict, columns: dict, n: int) -> "Explanations":
        return Explanations(constant, columns, n, self.money, self.lookups)

    def take(self, index: np.ndarray) -> "Explanations":
        return self._like(self.constant, {k: v[index] for k, v in self.columns.items()}, len(index))

    def with_constant(self, **extra) -> "Explanations":
        return self._like({**self.constant, **extra}, self.columns, self.n)

    def with_column(self, name: str, values) -> "Explanations":
        return self._like(self.constant, {**self.columns, name: values}, self.n)

    def _render(self, name: str, value):
        return format_cny(value) if name in self.money and value is not None else value

    def row(self, i: int) -> dict:
        values = {k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in self.columns.items()}
        out = {**self.constant, **{k: self._render(k, v) for k, v in values.items()}}
        for name, (source, table) in self.lookups.items():
            out[name] = table.get(values.get(source))
        return out

    def texts(self) -> np.ndarray:
        """One JSON object per row (keys sorted), as an object array; equal explanations share one string."""
        if not self.n:
            return np.empty(0, dtype=object)
        names = sorted(self.columns)
        encoded = [_codes(self.columns[name]) for name in names]
        combos, row_combo = _combinations([codes for codes, _ in encoded], [len(d) for _, d in encoded], self.n)
        texts = []
        for combo in combos:
            values = {name: distinct[code] for name, (_, distinct), code in zip(names, encoded, combo)}
            doc = {**self.constant, **{k: self._render(k, v) for k, v in values.items()}}
            for name, (source, table) in self.lookups.items():
                doc[name] = table.get(values.get(source))
            texts.append(_json(doc))
        out = np.empty(len(texts), dtype=object)
        out[:] = texts
        return out[row_combo.reshape(self.n)]
