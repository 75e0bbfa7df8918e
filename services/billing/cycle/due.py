"""What the subsidy service says is due for a month, as billing reads it (amounts in fen)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DueLine:
    """One enrollment's month: the family's fee and reduction, and the facility's operating subsidy."""

    facility: str
    family: str
    child: str
    enrollment: str
    fee: int
    reduction: int
    operating_subsidy: int
    explanation: dict = field(default_factory=dict, compare=False)

    @property
    def due(self) -> int:
        return self.fee - self.reduction

    @property
    def key(self) -> tuple[str, str]:
        return self.facility, self.enrollment


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
    facility: str
    held: bool
    revoked: bool


@dataclass(frozen=True)
class MonthDue:
    month: str
    ruleset_id: str
    ruleset_version: str
    fund: str
    default_budget: int
    lines: tuple[DueLine, ...]
    grants: tuple[DueGrant, ...]
    facilities: dict[str, FacilityStatus]

    @classmethod
    def from_json(cls, body: dict) -> "MonthDue":
        return cls(
            month=body["month"], ruleset_id=body["ruleset"]["id"], ruleset_version=body["ruleset"]["version"],
            fund=body["fund"]["id"], default_budget=body["fund"]["default_budget_fen"],
            lines=tuple(DueLine(l["facility"], l["family"], l["child"], l["enrollment"], l["fee_fen"],
                                l["reduction_fen"], l["operating_subsidy_fen"], l.get("explanation", {}))
                        for l in body["lines"]),
            grants=tuple(DueGrant(g["facility"], g["class"], g["grant"], g["rule"], g["amount_fen"],
                                  g.get("explanation", {})) for g in body["grants"]),
            facilities={f["facility"]: FacilityStatus(f["facility"], f["held"], f["revoked"])
                        for f in body["facilities"]},
        )
