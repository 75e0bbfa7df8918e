"""What the subsidy service says is due for a month, as billing reads it: columns, one row per enrollment.

Columns (numpy arrays) rather than one object per line, because a city bills a million child-months in one
cycle: the difference, the numbering and the COPY then cost a few vector operations instead of a million
Python objects. `MonthDue.from_rows` builds the same thing from plain dicts, for tests and small callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from billing.cycle.explain import Explanations


def objects(values) -> np.ndarray:
    """A 1-d object array of `values` (strings stay Python strings)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@dataclass(frozen=True)
class DueLines:
    """One row per enrollment that has days in the month: the family's fee and reduction, the facility's subsidy."""

    facility: np.ndarray           # object: facility external_id
    family: np.ndarray             # object
    child: np.ndarray              # object
    enrollment: np.ndarray         # object
    fee: np.ndarray                # int64 fen
    reduction: np.ndarray          # int64 fen (the treasury pays it to the facility)
    operating_subsidy: np.ndarray  # int64 fen
    explanation: Explanations

    def __len__(self) -> int:
        return len(self.fee)

    @classmethod
    def empty(cls) -> "DueLines":
        none = objects([])
        zero = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, none, zero, zero, zero, Explanations({}, {}, 0))


@dataclass(frozen=True)
class DueGrant:
    """A one-time per-class grant the class has qualified for by this month (paid once ever)."""

    facility: str
    klass: str
    grant: str
    rule: str
    amount: int
    explanation: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class FacilityStatus:
    """The facility's standing at the month's end (POLICY `annual_review`)."""

    facility: str
    held: bool                      # the month's last day falls in rectification (and not revoked)
    revoked: bool                   # revoked on or before the month's last day
    in_rectification: bool = False  # the latest review on or before the month's end failed
    explanation: dict = field(default_factory=dict, compare=False)

    @property
    def revoked_in_rectification(self) -> bool:
        """Revoked by a second consecutive failed review: what it earned since the first is never paid."""
        return self.revoked and self.in_rectification


@dataclass(frozen=True)
class MonthDue:
    month: str
    ruleset_id: str
    ruleset_version: str
    fund: str
    default_budget: int
    lines: DueLines
    grants: tuple[DueGrant, ...] = ()
    facilities: dict[str, FacilityStatus] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, body: dict) -> "MonthDue":
        """The subsidy service's `GET /due/{month}/columns` answer."""
        names = objects(body["facilities"])
        cols = body["lines"]
        n = len(cols["fee_fen"])
        ex = body["explanation"]
        lines = DueLines(
            facility=names[np.asarray(cols["facility"], dtype=np.int64)] if n else objects([]),
            family=objects(cols["family"]), child=objects(cols["child"]), enrollment=objects(cols["enrollment"]),
            fee=np.asarray(cols["fee_fen"], dtype=np.int64).reshape(n),
            reduction=np.asarray(cols["reduction_fen"], dtype=np.int64).reshape(n),
            operating_subsidy=np.asarray(cols["operating_subsidy_fen"], dtype=np.int64).reshape(n),
            explanation=Explanations(ex["constant"], ex["columns"], n, frozenset(ex.get("money", ())),
                                     {name: (lookup["from"], lookup["values"])
                                      for name, lookup in ex.get("lookups", {}).items()}))
        return cls(
            month=body["month"], ruleset_id=body["ruleset"]["id"], ruleset_version=body["ruleset"]["version"],
            fund=body["fund"]["id"], default_budget=body["fund"]["default_budget_fen"], lines=lines,
            grants=tuple(DueGrant(g["facility"], g["class"], g["grant"], g["rule"], g["amount_fen"],
                                  g.get("explanation", {})) for g in body["grants"]),
            facilities={f["facility"]: FacilityStatus(f["facility"], f["held"], f["revoked"],
                                                      f.get("in_rectification", False), f.get("explanation", {}))
                        for f in body["facility_status"]})

    @classmethod
    def from_rows(cls, month: str, rows: list[dict], *, grants=(), facilities=(), ruleset=("rs", "1"),
                  fund: str = "fund", default_budget: int = 70_000_000) -> "MonthDue":
        """Build from rows {facility, family, child, enrollment, fee, reduction, operating_subsidy[, explanation]}."""
        n = len(rows)
        column = lambda key: objects([r[key] for r in rows])  # noqa: E731
        money = lambda key: np.array([r.get(key, 0) for r in rows], dtype=np.int64).reshape(n)  # noqa: E731
        keys = sorted({k for r in rows for k in r.get("explanation", {})})
        explanation = Explanations({"ruleset": ruleset[0], "ruleset_version": ruleset[1]},
                                   {k: [r.get("explanation", {}).get(k) for r in rows] for k in keys}, n)
        lines = DueLines(column("facility"), column("family"), column("child"), column("enrollment"),
                         money("fee"), money("reduction"), money("operating_subsidy"), explanation)
        statuses = {s.facility: s for s in facilities}
        return cls(month, ruleset[0], ruleset[1], fund, default_budget, lines, tuple(grants), statuses)
