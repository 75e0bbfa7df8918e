"""Explanations (POLICY `explanation`) as columns: what every row shares, and one value per row for the rest.

A cycle writes one explanation per document and per payout line; turning a million dicts into JSON one by one
is most of a cycle's time, so `texts` formats the rows through one template, each column's values encoded once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np


def _column(values, n: int) -> np.ndarray:
    array = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if array.dtype.kind not in "iub" or array.shape != (n,):
        out = np.empty(n, dtype=object)
        out[:] = list(values)
        return out
    return array


def _encoded(column: np.ndarray) -> list[str]:
    """Each value of the column as JSON text."""
    if column.dtype.kind in "iu":
        return list(map(str, column.tolist()))
    if column.dtype.kind == "b":
        return ["true" if v else "false" for v in column.tolist()]
    cache: dict = {}
    out = []
    for value in column.tolist():
        try:
            text = cache[value]
        except (KeyError, TypeError):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
            try:
                cache[value] = text
            except TypeError:
                pass
        out.append(text)
    return out


@dataclass(frozen=True)
class Explanations:
    """`constant` holds what is the same on every row (rule set, version, days in month); `columns` the rest."""

    constant: dict
    columns: dict
    n: int

    def __post_init__(self):
        object.__setattr__(self, "columns", {k: _column(v, self.n) for k, v in self.columns.items()})

    def take(self, index: np.ndarray) -> "Explanations":
        return Explanations(self.constant, {k: v[index] for k, v in self.columns.items()}, len(index))

    def with_constant(self, **extra) -> "Explanations":
        return Explanations({**self.constant, **extra}, self.columns, self.n)

    def row(self, i: int) -> dict:
        return {**self.constant, **{k: v[i].item() if hasattr(v[i], "item") else v[i]
                                    for k, v in self.columns.items()}}

    def texts(self) -> list[str]:
        """One JSON object per row (keys sorted), the constant part encoded once."""
        if not self.n:
            return []
        keys = sorted(set(self.constant) | set(self.columns))
        parts, columns = [], []
        for key in keys:
            name = json.dumps(key, ensure_ascii=False)
            if key in self.columns:
                parts.append(f"{name}: {{}}")
                columns.append(_encoded(self.columns[key]))
            else:
                constant = json.dumps(self.constant[key], ensure_ascii=False, sort_keys=True)
                parts.append(f"{name}: {constant}".replace("{", "{{").replace("}", "}}"))
        template = "{{" + ", ".join(parts) + "}}"
        if not columns:
            return [template.format()] * self.n
        return list(map(template.format, *columns))
